"""Reads on the ledger: a person's years, and whether each year's requirement is met."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from xueshi.accounts.models import Person
from xueshi.declarations.rules import version_for
from xueshi.policy.hours import fmt
from xueshi.policy.schema import ProfileVersion

from .models import LedgerEntry, SubjectKind, YearTotal

ZERO = Decimal(0)


@dataclass(frozen=True)
class Compliance:
    """One person's year against the region's requirement, caps per category applied."""

    credit_year: int
    general_hours: Decimal
    professional_hours: Decimal  # counted: after the yearly cap of each category
    professional_claimed: Decimal  # before caps
    required_total: Decimal | None
    required_general: Decimal
    required_professional: Decimal
    shortfalls: list[str] = field(default_factory=list)

    @property
    def total_hours(self) -> Decimal:
        return self.general_hours + self.professional_hours

    @property
    def met(self) -> bool:
        return self.required_total is not None and not self.shortfalls

    @property
    def progress_percent(self) -> int:
        if not self.required_total:
            return 0
        return min(100, int(self.total_hours * 100 / self.required_total))


def requirement_for(person: Person, credit_year: int) -> ProfileVersion | None:
    key = person.unit.effective_policy_profile() if person.unit else ""
    if not key:
        return None
    return version_for(key, datetime.date(credit_year, 1, 1))


def year_compliance(person: Person, credit_year: int) -> Compliance:
    by_category = (
        LedgerEntry.objects.filter(
            person=person, credit_year=credit_year, subject=SubjectKind.PROFESSIONAL
        )
        .values("category_code")
        .annotate(hours=Sum("hours"))
        .order_by()
    )
    general = (
        LedgerEntry.objects.filter(
            person=person, credit_year=credit_year, subject=SubjectKind.GENERAL
        ).aggregate(hours=Sum("hours"))["hours"]
        or ZERO
    )
    version = requirement_for(person, credit_year)
    claimed = counted = ZERO
    for row in by_category:
        hours = row["hours"] or ZERO
        claimed += hours
        cap = version.yearly_cap_for(row["category_code"]) if version else None
        counted += min(hours, cap) if cap is not None else hours
    if version is None:
        return Compliance(
            credit_year, general, counted, claimed, None, ZERO, ZERO, ["未找到适用的学时要求"]
        )
    requirement = version.requirement
    share = requirement.professional_share
    required_professional = max(
        requirement.professional_hours or ZERO,
        (requirement.total_hours * share.numerator / share.denominator).quantize(Decimal("0.1")),
    )
    required_general = requirement.general_hours or ZERO
    shortfalls = []
    if general + counted < requirement.total_hours:
        shortfalls.append(f"总学时差 {fmt(requirement.total_hours - general - counted)}")
    if counted < required_professional:
        shortfalls.append(f"专业科目差 {fmt(required_professional - counted)}")
    if general < required_general:
        shortfalls.append(f"公需科目差 {fmt(required_general - general)}")
    return Compliance(
        credit_year,
        general,
        counted,
        claimed,
        requirement.total_hours,
        required_general,
        required_professional,
        shortfalls,
    )


def person_years(person: Person) -> list[Compliance]:
    """培训总体查询: one row per year with hours, newest first."""
    years = YearTotal.objects.filter(person=person).values_list("credit_year", flat=True)
    return [year_compliance(person, year) for year in sorted(set(years), reverse=True)]
