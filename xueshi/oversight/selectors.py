"""Reads of oversight: claims overdue below a level (下级超期待审), people short of their year."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from xueshi.accounts.models import RoleAssignment, RoleKind
from xueshi.accounts.permissions import people_in_scope
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.ledger.selectors import Missing, missing_hours, people_year_hours
from xueshi.policy.schema import OversightRules
from xueshi.review.models import ChainStep
from xueshi.review.permissions import REVIEWER_ROLES
from xueshi.review.waiting import (
    current_organization,
    days_waited,
    escalated_condition,
    with_waiting_since,
)

from .models import Reminder, ReminderKind


def with_level_above(queryset: QuerySet[Declaration]) -> QuerySet[Any]:
    """Annotate where each pending claim waits and who stands above that level.

    The level above is the organisation of the claim's next chain step (it reviews the claim
    next); at the last step, the parent of the waiting organisation in the organisation tree.
    """
    steps = ChainStep.objects.filter(declaration=OuterRef("pk"))
    current = steps.filter(position=OuterRef("current_position"))
    following = steps.filter(position=OuterRef("current_position") + 1)
    return current_organization(with_waiting_since(queryset)).annotate(
        current_organization_name=Subquery(current.values("organization__name")[:1]),
        current_level_name=Subquery(current.values("level_name")[:1]),
        current_parent_id=Subquery(current.values("organization__parent_id")[:1]),
        next_organization_id=Subquery(following.values("organization_id")[:1]),
    )


def above_condition(organization_id: int) -> Q:
    """Claims (annotated by `with_level_above`) whose level above is this organisation."""
    return Q(next_organization_id=organization_id) | Q(
        next_organization_id__isnull=True, current_parent_id=organization_id
    )


def overdue_below(
    role: RoleAssignment | None,
    now: datetime.datetime,
    rules: dict[str, OversightRules] | None = None,
) -> QuerySet[Any]:
    """下级超期待审: claims waiting at a level below the role's organisation past the second
    limit (escalate_after_days), longest waits first. Only a reviewer of a supervising
    organisation sees them; nobody else (no claim of another branch)."""
    if role is None or role.organization is None:
        return Declaration.objects.none()
    organization = role.organization
    if role.kind not in REVIEWER_ROLES.get(organization.kind, ()):
        return Declaration.objects.none()
    if role.kind == RoleKind.DEPARTMENT_ADMIN:
        return Declaration.objects.none()
    pending = with_level_above(Declaration.objects.filter(status=DeclarationStatus.PENDING))
    return (
        pending.filter(escalated_condition(now, rules))
        .filter(above_condition(organization.pk))
        .exclude(current_organization_id=organization.pk)
        .select_related("person", "unit")
        .order_by("waiting_since", "pk")
    )


@dataclass(frozen=True)
class OverdueRow:
    declaration: Declaration
    days: int
    limit: int | None


def overdue_rows(
    claims: Any, now: datetime.datetime, rules: dict[str, OversightRules]
) -> list[OverdueRow]:
    """Rows of a page of `overdue_below`, each with its whole days waited (no query)."""
    rows = []
    for claim in claims:
        rule = rules.get(claim.policy_profile)
        rows.append(
            OverdueRow(
                claim,
                days_waited(claim.waiting_since, now),
                rule.escalate_after_days if rule else None,
            )
        )
    return rows


# --- people short of their yearly hours --------------------------------------------------------


def short_people(role: RoleAssignment | None, year: int) -> QuerySet[Any]:
    """The role's people below `year`'s requirement (by the ledger's one rule,
    `people_year_hours`), with whether they were reminded (`reminded`); by department and name."""
    reminded = Reminder.objects.filter(
        kind=ReminderKind.YEAR_END, person=OuterRef("pk"), credit_year=year
    )
    short: QuerySet[Any] = people_year_hours(people_in_scope(role), year, compliance="unmet")
    return (
        short.filter(required_total__isnull=False)
        .annotate(reminded=Exists(reminded))
        .order_by(F("department__name").asc(nulls_first=True), "name", "pk")
    )


def missing_of(row: Any) -> Missing:
    """What one row of `short_people` (a Person or its values()) still lacks."""

    def value(name: str) -> Decimal:
        found = row[name] if isinstance(row, dict) else getattr(row, name)
        return Decimal(found or 0)

    return missing_hours(
        general=value("general_hours"),
        professional=value("professional_hours"),
        required_total=value("required_total"),
        required_general=value("required_general"),
        required_professional=value("required_professional"),
    )
