"""Reads on organisations as a role sees them: pending units, details, change requests."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from xueshi.accounts.models import RoleAssignment
from xueshi.accounts.permissions import organizations_in_scope, role_may
from xueshi.orgs.models import (
    Department,
    Organization,
    OrganizationKind,
    OrganizationStatus,
    UnitChangeRequest,
    UnitChangeStatus,
)


def pending_units(*, role: RoleAssignment | None) -> QuerySet[Organization]:
    """Units waiting for approval that this role may approve or reject (oldest first)."""
    return (
        organizations_in_scope(role)
        .filter(kind=OrganizationKind.UNIT, status=OrganizationStatus.PENDING)
        .select_related("parent", "registered_by")
        .order_by("created_at", "pk")
    )


def organization_detail(*, role: RoleAssignment | None) -> QuerySet[Organization]:
    """Organisations this role may look at, with what the detail page shows already loaded."""
    return (
        organizations_in_scope(role)
        .select_related("parent", "registered_by", "reviewed_by")
        .prefetch_related(Prefetch("departments", queryset=Department.objects.order_by("name")))
    )


def unit_change_requests_pending(*, role: RoleAssignment | None) -> QuerySet[UnitChangeRequest]:
    """Name / credit-code changes waiting for this supervisor's or authority's decision."""
    if role is None or not role_may(role, "orgs.approve_units"):
        return UnitChangeRequest.objects.none()
    units = organizations_in_scope(role).filter(kind=OrganizationKind.UNIT)
    if role.organization_id is not None:
        units = units.exclude(pk=role.organization_id)
    return (
        UnitChangeRequest.objects.filter(
            status=UnitChangeStatus.PENDING, unit__in=units.values("pk")
        )
        .select_related("unit", "unit__parent", "requested_by")
        .order_by("requested_at", "pk")
    )
