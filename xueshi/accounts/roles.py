"""The roles a user holds and the one they are acting in."""

from __future__ import annotations

from typing import Any

from xueshi.orgs.models import inherited_policy_profile

from .models import Person, RoleAssignment

ACTIVE_ROLE_SESSION_KEY = "active_role_id"

# Where a role object keeps the person behind its user (one request: roles are loaded afresh
# by ActiveRoleMiddleware on every request). Not joined into the roles' query: every request
# loads the roles (the second-factor check reads them), not every request needs the person.
_PERSON_ATTRIBUTE = "_role_person"


def user_roles(user: Any) -> list[RoleAssignment]:
    return list(
        RoleAssignment.objects.filter(user=user)
        .select_related("organization", "department")
        .order_by("id")
    )


def role_person(role: RoleAssignment) -> Person | None:
    """The person behind the role's user, with their unit (and its inherited policy profile),
    department and user; loaded once per role object, so the menu, the region's words and the
    page share one query."""
    if not hasattr(role, _PERSON_ATTRIBUTE):
        person = (
            Person.objects.select_related("unit", "department", "user")
            # The unit's region (its inherited profile) in the same query: the menu asks it.
            .annotate(unit_inherited_profile=inherited_policy_profile("unit__path"))
            .filter(user_id=role.user_id)
            .first()
        )
        if person is not None and person.unit is not None:
            person.unit.remember_inherited_policy_profile(person.unit_inherited_profile)
        setattr(role, _PERSON_ATTRIBUTE, person)
    found: Person | None = getattr(role, _PERSON_ATTRIBUTE)
    return found
