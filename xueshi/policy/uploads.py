"""The one upload check for evidence files: what a region's ``AttachmentRules`` allow, with one
wording and one default, used both when a file arrives (``declarations.evidence``) and by the
validator (``hours.validate_declaration_inputs``).

The type is read from the content (magic bytes), never from the file name. A profile with no
``max_size_mb`` gets the platform's own ceiling, ``DEFAULT_MAX_SIZE_MB``, everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import IO

import filetype

from .schema import AttachmentRules

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
    "application/vnd.ms-powerpoint": "ppt",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
}
# The platform's own ceiling when a profile sets none.
DEFAULT_MAX_SIZE_MB = Decimal(20)
MB = 1024 * 1024


def detect_kind(upload: IO[bytes]) -> tuple[str, str]:
    """(kind, content type) from the first bytes; ("", "") when unrecognised."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    guess = filetype.guess(head)
    if guess is None:
        return "", ""
    # docx and xlsx are zip files inside: filetype tells them apart by their contents.
    return KIND_BY_MIME.get(guess.mime, ""), guess.mime


def size_limit_mb(rules: AttachmentRules) -> Decimal:
    return rules.max_size_mb or DEFAULT_MAX_SIZE_MB


def _mb(value: Decimal) -> str:
    return f"{value.normalize():f}"


def count_problem(rules: AttachmentRules, count: int) -> str:
    """The reason `count` files are too many, or ""."""
    if rules.max_count is not None and count > rules.max_count:
        return f"最多上传 {rules.max_count} {rules.count_noun}"
    return ""


def size_problem(rules: AttachmentRules, size: int | Decimal | None) -> str:
    if size is not None and Decimal(size) > size_limit_mb(rules) * MB:
        return f"单个附件不能超过 {_mb(size_limit_mb(rules))} MB，请压缩后再上传"
    if size is not None and not size:
        return "文件是空的"
    return ""


def kind_problem(rules: AttachmentRules, kind: str) -> str:
    if kind.lower().lstrip(".") not in rules.kinds:
        return f"只能上传 {'、'.join(rules.kinds)} 文件（按文件内容识别，与扩展名无关）"
    return ""


def upload_problems(
    rules: AttachmentRules,
    *,
    count: int,
    sizes: Iterable[int | Decimal] = (),
    kinds: Iterable[str] = (),
) -> list[str]:
    """Every reason the files (`count` in all; the `sizes` and content `kinds` known) break the
    rules, each once, in a fixed order: count, type, size."""
    problems = [count_problem(rules, count)]
    problems += [kind_problem(rules, kind) for kind in kinds]
    problems += [size_problem(rules, size) for size in sizes]
    return list(dict.fromkeys(p for p in problems if p))


def named(name: str, problem: str) -> str:
    """A problem with one arriving file, as shown next to the upload."""
    return f"“{name}”未上传：{problem}。"
