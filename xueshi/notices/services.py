"""Writing notices: sanitise, attach (checked by content), publish, pin, delete; each audited."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import nh3
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from xueshi.accounts.models import RoleAssignment, RoleKind
from xueshi.core.audit import audit_record
from xueshi.orgs.models import Organization
from xueshi.policy.schema import AttachmentRules
from xueshi.policy.uploads import detect_kind, named, upload_problems

from .models import Notice, NoticeAttachment

# Formatting an author needs, nothing that runs: no script, style, event handler or iframe.
ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "h3", "h4", "ul", "ol", "li", "blockquote",
    "table", "thead", "tbody", "tr", "th", "td", "a", "span",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan"}}
ATTACHMENT_RULES = AttachmentRules(
    kinds=["pdf", "doc", "docx", "xlsx"], max_size_mb=Decimal(20), max_count=10
)


def sanitise(html: str) -> str:
    """Plain text becomes paragraphs; HTML keeps only ALLOWED_TAGS (links get rel=noopener)."""
    text = html.strip()
    if "<" not in text:
        text = "".join(f"<p>{line}</p>" for line in text.splitlines() if line.strip())
    return nh3.clean(
        text,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def authority_of(role: RoleAssignment) -> Organization:
    if role.kind != RoleKind.AUTHORITY_ADMIN or role.organization is None:
        raise PermissionDenied("只有认定机构管理员可以发布通知公告和政策法规。")
    return role.organization


def notices_of(role: RoleAssignment) -> Any:
    """The notices an authority admin manages: their own authority's."""
    return Notice.objects.filter(authority=authority_of(role))


@dataclass(frozen=True)
class NoticeInput:
    kind: str
    title: str
    body: str
    audience: str


def _check_files(files: Iterable[UploadedFile], already: int) -> list[tuple[UploadedFile, str]]:
    checked = []
    files = list(files)
    problems: list[str] = []
    count_problems = upload_problems(ATTACHMENT_RULES, count=already + len(files))
    problems.extend(count_problems)
    for upload in files:
        kind, _ = detect_kind(upload)
        mine = upload_problems(ATTACHMENT_RULES, count=1, sizes=[upload.size or 0], kinds=[kind])
        problems.extend(named(upload.name or "附件", problem) for problem in mine)
        checked.append((upload, kind))
    if problems:
        raise ValidationError({"attachments": problems})
    return checked


def notice_save(
    *,
    role: RoleAssignment,
    actor: Any,
    data: NoticeInput,
    files: Iterable[UploadedFile] = (),
    notice: Notice | None = None,
) -> Notice:
    authority = authority_of(role)
    if notice is not None and notice.authority_id != authority.pk:
        raise Notice.DoesNotExist
    already = notice.attachments.count() if notice is not None else 0
    checked = _check_files(files, already)
    body = sanitise(data.body)
    with transaction.atomic():
        is_new = notice is None
        if notice is None:
            notice = Notice(authority=authority, created_by=actor)
        notice.kind, notice.title, notice.audience = data.kind, data.title.strip(), data.audience
        notice.body = body
        notice.save()
        for upload, kind in checked:
            NoticeAttachment.objects.create(
                notice=notice,
                file=upload,
                name=(upload.name or "附件")[:200],
                kind=kind,
                size=upload.size or 0,
            )
        audit_record(
            action="notice.create" if is_new else "notice.update",
            actor=actor,
            role=role.kind,
            target=notice,
            details={"title": notice.title, "attachments": len(checked)},
        )
    return notice


def _change(role: RoleAssignment, actor: Any, notice_id: int, action: str, **fields: Any) -> Notice:
    with transaction.atomic():
        notice = notices_of(role).select_for_update().get(pk=notice_id)
        for name, value in fields.items():
            setattr(notice, name, value)
        notice.save(update_fields=[*fields, "updated_at"])
        details = {name: str(value) for name, value in fields.items()}
        audit_record(action=action, actor=actor, role=role.kind, target=notice, details=details)
    return notice


def notice_publish(*, role: RoleAssignment, actor: Any, notice_id: int, publish: bool) -> Notice:
    if publish:
        return _change(
            role, actor, notice_id, "notice.publish", published=True, published_at=timezone.now()
        )
    return _change(role, actor, notice_id, "notice.unpublish", published=False)


def notice_pin(*, role: RoleAssignment, actor: Any, notice_id: int, pinned: bool) -> Notice:
    return _change(
        role, actor, notice_id, "notice.pin" if pinned else "notice.unpin", pinned=pinned
    )


def notice_delete(*, role: RoleAssignment, actor: Any, notice_id: int) -> None:
    with transaction.atomic():
        notice = notices_of(role).select_for_update().get(pk=notice_id)
        files = [attachment.file for attachment in notice.attachments.all()]
        audit_record(
            action="notice.delete",
            actor=actor,
            role=role.kind,
            target=notice,
            details={"title": notice.title},
        )
        notice.delete()
        transaction.on_commit(lambda: [file.delete(save=False) for file in files])
