"""Who may see whom. Every view that shows a person or an organisation goes through these."""

from __future__ import annotations

from django.db.models import QuerySet

from xueshi.orgs.models import Organization

from .models import Person, RoleAssignment, RoleKind


def people_in_scope(role: RoleAssignment | None) -> QuerySet[Person]:
    people = Person.objects.select_related("unit", "department", "user")
    if role is None:
        return people.none()
    if role.kind == RoleKind.PLATFORM_ADMIN:
        return people
    if role.kind == RoleKind.PROFESSIONAL:
        return people.filter(user_id=role.user_id)
    if role.kind == RoleKind.DEPARTMENT_ADMIN:
        return people.filter(unit=role.organization, department=role.department)
    if role.kind == RoleKind.UNIT_ADMIN:
        return people.filter(unit_id=role.organization_id)
    if role.kind in (RoleKind.SUPERVISOR_ADMIN, RoleKind.AUTHORITY_ADMIN) and role.organization:
        return people.filter(unit__path__startswith=role.organization.path)
    return people.none()


def organizations_in_scope(role: RoleAssignment | None) -> QuerySet[Organization]:
    organizations = Organization.objects.select_related("parent")
    if role is None:
        return organizations.none()
    if role.kind == RoleKind.PLATFORM_ADMIN:
        return organizations
    if role.organization is None:
        return organizations.none()
    if role.kind in (RoleKind.SUPERVISOR_ADMIN, RoleKind.AUTHORITY_ADMIN):
        return organizations.subtree_of(role.organization)
    return organizations.filter(pk=role.organization.pk)
