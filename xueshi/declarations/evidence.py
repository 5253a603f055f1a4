"""Evidence files arriving: checked by ``policy.uploads`` (the one upload check, the type read
from the content, never from the name)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

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


# A note shown under each evidence file on the claim's pages (the recognition app's progress and
# result): a higher app registers (attachments) → {attachment id: HTML}, one call per list.
EvidenceNotes = Callable[[Sequence[Any]], dict[int, SafeString]]
_evidence_notes: list[EvidenceNotes] = []


def register_evidence_notes(provider: EvidenceNotes) -> None:
    if provider not in _evidence_notes:
        _evidence_notes.append(provider)


def with_evidence_notes(attachments: Iterable[Any]) -> list[Any]:
    """The attachments, each with ``evidence_note`` (HTML, empty without a provider)."""
    attachments = list(attachments)
    found: dict[int, list[SafeString]] = {}
    for provider in _evidence_notes:
        for pk, note in provider(attachments).items():
            found.setdefault(pk, []).append(note)
    for attachment in attachments:
        notes = found.get(attachment.pk, [])
        attachment.evidence_note = format_html_join("", "{}", ((note,) for note in notes))
    return attachments
