"""Evidence files arriving: checked by ``policy.uploads`` (the one upload check, the type read
from the content, never from the name)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from xueshi.policy.schema import AttachmentRules
from xueshi.policy.uploads import detect_kind, kind_problem, named, upload_problems


def check_upload(
    upload: UploadedFile, rules: AttachmentRules, *, existing_count: int
) -> tuple[str, str]:
    """Refuse what the region's rules do not allow; return (kind, content type)."""
    name = upload.name or "附件"
    size = upload.size or 0
    # The content is read only for a file that may otherwise be kept.
    problems = upload_problems(rules, count=existing_count + 1, sizes=[size])
    if problems:
        raise ValidationError(named(name, problems[0]))
    kind, content_type = detect_kind(upload)
    problem = kind_problem(rules, kind)
    if problem:
        raise ValidationError(named(name, problem))
    return kind, content_type
