"""Reads behind the declaration form: whose claim, under which rules, people to declare for."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from xueshi.accounts.models import Person, RoleAssignment, id_number_q
from xueshi.accounts.permissions import people_in_scope, role_may
from xueshi.accounts.roles import role_person
from xueshi.policy.resolver import resolve_version
from xueshi.policy.schema import ProfileVersion

from .rules import rules_date
from .services import DeclaringLookups

PEOPLE_SEARCH_LIMIT = 20


def person_of_role(role: RoleAssignment) -> Person | None:
    return role_person(role)


def _parse_year(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) == 4 else None


def _parse_date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


def version_for_inputs(
    key: str, values: Any, lookups: DeclaringLookups | None = None
) -> ProfileVersion:
    """The rules in force for what is typed (start date, else credit year, else today);
    through ``lookups`` when given (resolved once for the request)."""
    start = _parse_date(values.get("start_date")) if values is not None else None
    year = _parse_year(values.get("credit_year")) if values is not None else None
    on_date = (
        timezone.localdate()
        if start is None and year is None
        else rules_date(credit_year=year, start_date=start)
    )
    return lookups.version(key, on_date) if lookups is not None else resolve_version(key, on_date)


def version_from_query(values: Any) -> ProfileVersion:
    """The fields and hours endpoints name the rules the page was built with."""
    key = str(values.get("profile_key") or "")
    effective = _parse_date(values.get("profile_version"))
    if not key or effective is None:
        raise ValidationError("缺少学时认定细则。")
    return resolve_version(key, effective)


def organization_profile_key(role: RoleAssignment) -> str:
    organization = role.organization
    return organization.effective_policy_profile() if organization is not None else ""


def may_declare_for_others(role: RoleAssignment) -> bool:
    """Does the role's region let this role declare in at least one category? The permission
    registry asks both the role kind and the region's profile (``region_lets_declare``)."""
    return role_may(role, "declarations.declare_for")


def people_search(role: RoleAssignment, query: str) -> list[Person]:
    """At most twenty people of the role's scope whose ID number starts with, or name holds,
    the query; with no query, the first twenty by name."""
    people = people_in_scope(role).exclude(user__is_active=False)
    query = " ".join(query.split())
    if query:
        # ID numbers are encrypted: the full number is found (by its digest), not a prefix.
        people = people.filter(id_number_q(query) | Q(name__icontains=query))
    return list(people.order_by("name", "pk")[:PEOPLE_SEARCH_LIMIT])


def person_in_scope(role: RoleAssignment, pk: Any) -> Person | None:
    try:
        number = int(str(pk))
    except (TypeError, ValueError):
        return None
    return people_in_scope(role).filter(pk=number).first()
