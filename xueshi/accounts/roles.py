"""The roles a user holds and the one they are acting in."""

from __future__ import annotations

from typing import Any

from .models import Person, RoleAssignment

ACTIVE_ROLE_SESSION_KEY = "active_role_id"

# Where a role object keeps the person behind its user (one request: roles are loaded afresh
# by ActiveRoleMiddleware on every request).
_PERSON_ATTRIBUTE = "_role_person"


def user_roles(user: Any) -> list[RoleAssignment]:
    """The user's roles with their organisation and department, and the person behind the
    user (with unit and department) in the same query: every page of a professional reads
    them (menu, region words, their own records)."""
    roles = list(
        RoleAssignment.objects.filter(user=user)
        .select_related(
            "organization",
            "department",
            "user__person__unit",
            "user__person__department",
        )
        .order_by("id")
    )
    for role in roles:
        # A user without a person record (most administrators): None, not a query later.
        setattr(role, _PERSON_ATTRIBUTE, getattr(role.user, "person", None))
    return roles


def role_person(role: RoleAssignment) -> Person | None:
    """The person behind the role's user, with their unit, department and user; loaded once
    per role object (user_roles loads it with the roles)."""
    if not hasattr(role, _PERSON_ATTRIBUTE):
        setattr(
            role,
            _PERSON_ATTRIBUTE,
            Person.objects.select_related("unit", "department", "user")
            .filter(user_id=role.user_id)
            .first(),
        )
    person: Person | None = getattr(role, _PERSON_ATTRIBUTE)
    return person
