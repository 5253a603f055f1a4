"""Reads on organisations as a role sees them: pending units, details, change requests."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

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


def units_for_access(
    *, role: RoleAssignment | None, query: str = "", granted: str = ""
) -> QuerySet[Organization]:
    """The active units below a supervising department, for granting 学时登记 access (Zhejiang
    省属管理权限): name or credit code contains ``query``; ``granted`` "1"/"0" filters."""
    if role is None or not role_may(role, "orgs.grant_access"):
        return Organization.objects.none()
    units = organizations_in_scope(role).filter(
        kind=OrganizationKind.UNIT, status=OrganizationStatus.ACTIVE
    )
    if query:
        units = units.filter(Q(name__contains=query) | Q(credit_code__icontains=query))
    if granted in ("1", "0"):
        units = units.filter(declaring_access_granted=granted == "1")
    return units.select_related("parent").order_by("name", "pk")
