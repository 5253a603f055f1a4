"""Read-only queries for the home pages. Counting happens in the database."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from xueshi.accounts.models import Person, RoleKind
from xueshi.accounts.permissions import declaring_access
from xueshi.orgs.models import Department, Organization, OrganizationKind, OrganizationStatus


def person_for_user(user: Any) -> Person | None:
    """The professional record linked to a login, with unit and department loaded."""
    if user is None or not user.is_authenticated:
        return None
    return Person.objects.select_related("unit", "department").filter(user=user).first()


def unit_summary(unit: Organization) -> dict[str, int]:
    """Staff and departments of one unit."""
    return {
        "staff_count": Person.objects.filter(unit=unit).count(),
        "department_count": Department.objects.filter(unit=unit).count(),
    }


def department_summary(department: Department) -> dict[str, int]:
    return {"staff_count": Person.objects.filter(department=department).count()}


def supervision_summary(organization: Organization) -> dict[str, int]:
    """Units beneath a supervising department or authority: active ones, and registrations
    waiting for approval (one query)."""
    return Organization.objects.subtree_of(organization).aggregate(
        unit_count=Count(
            "pk", filter=Q(kind=OrganizationKind.UNIT, status=OrganizationStatus.ACTIVE)
        ),
        pending_unit_count=Count(
            "pk", filter=Q(kind=OrganizationKind.UNIT, status=OrganizationStatus.PENDING)
        ),
    )


def platform_summary() -> dict[str, int]:
    counts = Organization.objects.aggregate(
        organization_count=Count("pk"),
        authority_count=Count("pk", filter=Q(kind=OrganizationKind.AUTHORITY)),
        supervisor_count=Count("pk", filter=Q(kind=OrganizationKind.SUPERVISOR)),
        unit_count=Count(
            "pk", filter=Q(kind=OrganizationKind.UNIT, status=OrganizationStatus.ACTIVE)
        ),
        pending_unit_count=Count(
            "pk", filter=Q(kind=OrganizationKind.UNIT, status=OrganizationStatus.PENDING)
        ),
    )
    counts["person_count"] = Person.objects.count()
    return counts


def home_summary(role: Any, user: Any) -> dict[str, Any]:
    """What the home page of `role` shows, as template context."""
    if role is None:
        return {}
    kind = role.kind
    if kind == RoleKind.PROFESSIONAL:
        person = person_for_user(user)
        access = declaring_access(person) if person is not None else None
        return {"person": person, "declaring_access": access}
    if kind == RoleKind.UNIT_ADMIN:
        return {"organization": role.organization, **unit_summary(role.organization)}
    if kind == RoleKind.DEPARTMENT_ADMIN:
        return {
            "organization": role.organization,
            "department": role.department,
            **department_summary(role.department),
        }
    if kind in (RoleKind.SUPERVISOR_ADMIN, RoleKind.AUTHORITY_ADMIN):
        return {"organization": role.organization, **supervision_summary(role.organization)}
    if kind == RoleKind.PLATFORM_ADMIN:
        return platform_summary()
    return {"organization": role.organization}
