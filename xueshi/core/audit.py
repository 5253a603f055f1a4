"""One place that writes the audit log, so every caller records the same facts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from .models import AuditLog

if TYPE_CHECKING:
    from django.http import HttpRequest


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: str,
    actor: Any = None,
    role: str = "",
    request: HttpRequest | None = None,
    target: models.Model | None = None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> AuditLog:
    if actor is not None and not getattr(actor, "is_authenticated", True):
        actor = None
    if request is not None and not role:
        active = getattr(request, "active_role", None)
        role = active.kind if active is not None else ""
    return AuditLog.objects.create(
        action=action,
        actor=actor,
        role=role,
        ip_address=client_ip(request),
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        details=details or {},
    )
