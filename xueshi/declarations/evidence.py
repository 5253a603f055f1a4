"""Evidence files: the type is read from the content (magic bytes), never from the name."""

from __future__ import annotations

from decimal import Decimal

import filetype
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from xueshi.policy.schema import AttachmentRules

# What the content says → the kind a profile speaks of.
KIND_BY_MIME = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/bmp": "bmp",
    "application/pdf": "pdf",
    "application/zip": "zip",
    "application/x-rar-compressed": "rar",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}
# The platform's own ceiling when a profile sets none.
DEFAULT_MAX_SIZE_MB = Decimal(20)


def detect_kind(upload: UploadedFile) -> tuple[str, str]:
    """(kind, content type) from the first bytes; ("", "") when unrecognised."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    guess = filetype.guess(head)
    if guess is None:
        return "", ""
    kind = KIND_BY_MIME.get(guess.mime, "")
    # docx and xlsx are zip files inside: filetype tells them apart by their contents.
    return kind, guess.mime


def check_upload(
    upload: UploadedFile, rules: AttachmentRules, *, existing_count: int
) -> tuple[str, str]:
    """Refuse what the region's rules do not allow; return (kind, content type)."""
    name = upload.name or "附件"
    if rules.max_count is not None and existing_count + 1 > rules.max_count:
        raise ValidationError(f"最多上传 {rules.max_count} {rules.count_noun}，“{name}”未上传。")
    limit_mb = rules.max_size_mb or DEFAULT_MAX_SIZE_MB
    if upload.size is not None and upload.size > limit_mb * 1024 * 1024:
        raise ValidationError(f"“{name}”超过 {limit_mb.normalize():f} MB，请压缩后再上传。")
    if not upload.size:
        raise ValidationError(f"“{name}”是空文件。")
    kind, content_type = detect_kind(upload)
    if kind not in rules.kinds:
        allowed = "、".join(rules.kinds)
        raise ValidationError(f"“{name}”的文件内容不是允许的类型（只能上传 {allowed}）。")
    return kind, content_type
