"""Reads on people, accounts and roles, with the related rows views need already joined."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from xueshi.orgs.models import Department

from .models import Person, RoleAssignment


def person_for_user(user: Any) -> Person | None:
    """The person behind a login, or None (organisation accounts, anonymous users)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return (
        Person.objects.select_related("unit", "department", "user").filter(user_id=user.pk).first()
    )


def department_choices_for_person(person: Person) -> QuerySet[Department]:
    """The departments a person may place themselves in: those of their own unit, else none."""
    if person.unit_id is None:
        return Department.objects.none()
    return Department.objects.filter(unit_id=person.unit_id).order_by("name")


def role_of_user(*, user: Any, role_id: int) -> RoleAssignment | None:
    """One of the user's own roles by id; None when it does not exist or is someone else's."""
    return (
        RoleAssignment.objects.select_related("organization", "department")
        .filter(pk=role_id, user_id=user.pk)
        .first()
    )


def first_role_of_user(user: Any) -> RoleAssignment | None:
    """The role a fresh session starts in (the same order ActiveRoleMiddleware falls back on)."""
    return (
        RoleAssignment.objects.select_related("organization", "department")
        .filter(user_id=user.pk)
        .order_by("id")
        .first()
    )
