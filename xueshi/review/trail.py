"""The one place that writes the review trail, together with the audit log."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest

from xueshi.accounts.models import RoleAssignment
from xueshi.core.audit import audit_record
from xueshi.declarations.models import Declaration
from xueshi.orgs.models import Organization

from .models import TrailEntry


def trail_record(
    *,
    declaration: Declaration,
    action: str,
    actor: Any,
    role: RoleAssignment,
    from_status: str,
    level_name: str = "",
    organization: Organization | None = None,
    comment: str = "",
    hours_granted: Decimal | None = None,
    request: HttpRequest | None = None,
) -> TrailEntry:
    entry = TrailEntry.objects.create(
        declaration=declaration,
        action=action,
        level_name=level_name,
        organization=organization,
        actor=actor,
        actor_role=role.kind,
        from_status=from_status,
        to_status=declaration.status,
        to_level=declaration.status_level,
        comment=comment,
        hours_granted=hours_granted,
    )
    audit_record(
        action=f"declaration.{action}",
        actor=actor,
        role=role.kind,
        request=request,
        target=declaration,
        from_state=from_status,
        to_state=declaration.status,
        reason=comment,
        details={"level": level_name, "organization": organization.pk if organization else None},
    )
    return entry
