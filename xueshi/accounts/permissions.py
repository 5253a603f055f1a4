"""Who may see whom. Every view that shows a person or an organisation goes through these."""

from __future__ import annotations

from collections.abc import Collection

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest

from xueshi.orgs.models import Organization

from .models import Person, RoleAssignment, RoleKind

NO_ROLE_ACCESS = "当前角色无权访问此页面。"
NO_ACTIVE_ROLE = "当前账号没有可用的角色。"


def active_role(request: HttpRequest) -> RoleAssignment | None:
    """The role the user acts in (set by the middleware), None when logged out or without one."""
    role: RoleAssignment | None = getattr(request, "active_role", None)
    return role


def require_role(
    request: HttpRequest,
    kinds: Collection[str] | None = None,
    message: str = NO_ROLE_ACCESS,
) -> RoleAssignment:
    """The active role if it is one of `kinds` (any role when None); PermissionDenied otherwise."""
    role = active_role(request)
    if role is None or (kinds is not None and role.kind not in kinds):
        raise PermissionDenied(message)
    return role


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
