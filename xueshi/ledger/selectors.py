"""Reads on the ledger: a person's years, and whether each year's requirement is met."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DecimalField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from xueshi.accounts.models import Person, id_number_q
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.orgs.models import Organization
from xueshi.policy.hours import fmt
from xueshi.policy.resolver import (
    category_name,
    profile_key_of,
    profile_versions,
    try_resolve_version,
)
from xueshi.policy.schema import ProfileVersion

from .models import EntrySource, GeneralRecord, LedgerEntry, SubjectKind, YearTotal

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
    def missing(self) -> Missing:
        """What the year still lacks (nothing where no requirement applies)."""
        if self.required_total is None:
            return Missing(ZERO, ZERO, ZERO)
        return missing_hours(
            general=self.general_hours,
            professional=self.professional_hours,
            required_total=self.required_total,
            required_general=self.required_general,
            required_professional=self.required_professional,
        )

    @property
    def progress_percent(self) -> int:
        if not self.required_total:
            return 0
        return min(100, int(self.total_hours * 100 / self.required_total))


@dataclass(frozen=True)
class Missing:
    """还差 N 学时: `total` more hours, of which at least `general` 公需 and `professional` 专业."""

    total: Decimal
    general: Decimal
    professional: Decimal


def missing_hours(
    *,
    general: Decimal,
    professional: Decimal,
    required_total: Decimal,
    required_general: Decimal,
    required_professional: Decimal,
) -> Missing:
    """What a year lacks against its requirement (hours counted after caps, as `_compliance`
    counts them): the total gap, or the general and professional gaps where they need more."""
    general_gap = max(required_general - general, ZERO)
    professional_gap = max(required_professional - professional, ZERO)
    total_gap = max(required_total - general - professional, general_gap + professional_gap)
    return Missing(total_gap, general_gap, professional_gap)


def _profile_key(person: Person) -> str:
    return profile_key_of(person.unit)


def requirement_for(person: Person, credit_year: int) -> ProfileVersion | None:
    key = _profile_key(person)
    return try_resolve_version(key, credit_year=credit_year) if key else None


def required_hours(version: ProfileVersion) -> tuple[Decimal, Decimal, Decimal]:
    """(total, general, professional) a year requires; professional at least the share."""
    requirement = version.requirement
    share = requirement.professional_share
    required_professional = max(
        requirement.professional_hours or ZERO,
        (requirement.total_hours * share.numerator / share.denominator).quantize(Decimal("0.1")),
    )
    return requirement.total_hours, requirement.general_hours or ZERO, required_professional


@dataclass
class _YearHours:
    """A year's ledger: general hours, professional hours by category (before caps)."""

    general: Decimal = ZERO
    by_category: dict[str, Decimal] = field(default_factory=dict)


def _hours_by_year(person: Person, years: list[int] | None = None) -> dict[int, _YearHours]:
    """The person's ledger summed per year, subject and category: one query for any years."""
    entries = LedgerEntry.objects.filter(person=person)
    if years is not None:
        entries = entries.filter(credit_year__in=years)
    grouped: dict[int, _YearHours] = {}
    for row in (
        entries.values("credit_year", "subject", "category_code")
        .annotate(hours=Sum("hours"))
        .order_by()
    ):
        year = grouped.setdefault(row["credit_year"], _YearHours())
        hours = row["hours"] or ZERO
        if row["subject"] == SubjectKind.GENERAL:
            year.general += hours
        elif row["subject"] == SubjectKind.PROFESSIONAL:
            code = row["category_code"]
            year.by_category[code] = year.by_category.get(code, ZERO) + hours
    return grouped


def _compliance(credit_year: int, hours: _YearHours, rule: YearRule | None) -> Compliance:
    """One person's year judged by ``rule`` exactly as ``people_year_hours`` judges everyone
    (the statistics): professional hours counted = approved − what exceeds each category's
    yearly cap; 达标 = total, professional and general each at least what is required."""
    general = hours.general
    claimed = sum(hours.by_category.values(), ZERO)
    caps = rule.caps if rule is not None else {}
    excess = sum(
        (
            max(category_hours - caps[code], ZERO)
            for code, category_hours in hours.by_category.items()
            if code in caps
        ),
        ZERO,
    )
    counted = claimed - excess
    if rule is None:
        return Compliance(
            credit_year, general, counted, claimed, None, ZERO, ZERO, ["未找到适用的学时要求"]
        )
    shortfalls = []
    if general + counted < rule.total:
        shortfalls.append(f"总学时差 {fmt(rule.total - general - counted)}")
    if counted < rule.professional:
        shortfalls.append(f"专业科目差 {fmt(rule.professional - counted)}")
    if general < rule.general:
        shortfalls.append(f"公需科目差 {fmt(rule.general - general)}")
    return Compliance(
        credit_year,
        general,
        counted,
        claimed,
        rule.total,
        rule.general,
        rule.professional,
        shortfalls,
    )


def year_compliance(person: Person, credit_year: int) -> Compliance:
    """One person's year (the person's pages); the statistics count 达标 by the same rule."""
    hours = _hours_by_year(person, [credit_year]).get(credit_year, _YearHours())
    return _compliance(credit_year, hours, year_rule(_profile_key(person), credit_year))


def person_years(person: Person) -> list[Compliance]:
    """培训总体查询: one row per year with hours, newest first (the same queries for any years)."""
    years = sorted(
        set(YearTotal.objects.filter(person=person).values_list("credit_year", flat=True)),
        reverse=True,
    )
    if not years:
        return []
    key = _profile_key(person)
    hours = _hours_by_year(person, years)
    return [
        _compliance(year, hours.get(year, _YearHours()), year_rule(key, year)) for year in years
    ]


# --- a year's records (培训总体查询 → one year) ---------------------------------------------


@dataclass(frozen=True)
class YearRecord:
    """One line of a year's records: a general-subject course or an approved claim."""

    subject: str  # SubjectKind
    title: str
    kind: str  # provider for a course, category for a claim
    hours: Decimal
    on: datetime.date | None
    declaration_id: int | None = None
    credits: Decimal | None = None  # a 学分申报: what was declared, in credits
    sourced: bool = False  # from a generic source (申请书, 转入), not a learning platform

    @property
    def subject_label(self) -> str:
        return str(SubjectKind(self.subject).label)


def year_records(person: Person, credit_year: int) -> list[YearRecord]:
    """The general-subject records, the approved claims, then hours from other sources (the
    yearly application) of one credit year (3 queries)."""
    records = [
        YearRecord(
            SubjectKind.GENERAL, record.course, record.provider, record.hours, record.completed_on
        )
        for record in GeneralRecord.objects.filter(person=person, credit_year=credit_year)
    ]
    claims = Declaration.objects.filter(
        person=person, credit_year=credit_year, status=DeclarationStatus.APPROVED
    ).order_by("-decided_at", "-id")
    names: dict[tuple[str, datetime.date, str], str] = {}

    def kind(claim: Declaration) -> str:
        """The category by the claim's own profile version ("未知类型（code）" if none knows it)."""
        found = (claim.policy_profile, claim.profile_version, claim.category_code)
        if found not in names:
            version = try_resolve_version(claim.policy_profile, claim.profile_version)
            names[found] = category_name(version, claim.category_code, claim.policy_profile)
        return names[found]

    records += [
        YearRecord(
            SubjectKind.PROFESSIONAL,
            claim.title,
            kind(claim),
            claim.hours_counted,
            claim.end_date or (timezone.localdate(claim.decided_at) if claim.decided_at else None),
            claim.pk,
            claim.credits_claimed,
        )
        for claim in claims
    ]
    # Hours from a generic source (学时认定申请书, 转入): one line per source and subject, its
    # categories summed.
    sourced = (
        LedgerEntry.objects.filter(person=person, credit_year=credit_year)
        .exclude(source_ref="")
        .values("source", "source_ref", "source_label", "subject")
        .annotate(hours=Sum("hours"), on=Max("at"))
        .order_by("-on", "subject")
    )
    records += [
        YearRecord(
            row["subject"],
            row["source_label"],
            str(EntrySource(row["source"]).label),
            row["hours"],
            timezone.localdate(row["on"]),
            sourced=True,
        )
        for row in sourced
    ]
    return records


# --- administrators' query (专业科目学时查询 / 全学时查询) ------------------------------------

DECIMAL = DecimalField(max_digits=10, decimal_places=2)


def _hours(value: Decimal | int) -> Value:
    return Value(Decimal(value), output_field=DECIMAL)


@dataclass(frozen=True)
class YearRule:
    """What one profile requires in a year, and its yearly caps per category."""

    key: str
    total: Decimal
    general: Decimal
    professional: Decimal
    caps: dict[str, Decimal]


def year_rules(credit_year: int) -> tuple[list[tuple[str, str]], dict[str, YearRule]]:
    """(path, profile key) of every organisation naming a profile, deepest first; each rule.

    One query: a person's profile is the one on their unit or its nearest ancestor, i.e. the
    first of these paths their unit's path starts with.
    """
    nodes = sorted(
        Organization.objects.exclude(policy_profile="").values_list("path", "policy_profile"),
        key=lambda node: -len(node[0]),
    )
    rules: dict[str, YearRule] = {}
    for key in {key for _, key in nodes}:
        rule = year_rule(key, credit_year)
        if rule is not None:
            rules[key] = rule
    return nodes, rules


def year_rule(key: str, credit_year: int) -> YearRule | None:
    """What a region requires in a credit year and its caps, by the version in force on 1
    January (``policy.resolver``); None when no usable profile applies."""
    version = try_resolve_version(key, credit_year=credit_year) if key else None
    if version is None:
        return None
    total, general, professional = required_hours(version)
    return YearRule(key, total, general, professional, _year_caps(key, version))


def _year_caps(key: str, version: ProfileVersion) -> dict[str, Decimal]:
    """Yearly cap per category code: the year's version for the codes it knows; a code only
    another version knows (dropped or renamed since) keeps that version's cap, the newest one
    that has it, so old claims keep the rules they were made under. A code no version knows
    has no cap: it is counted in full, never an error."""
    caps: dict[str, Decimal] = {}
    for older in [*profile_versions(key), version]:  # the year's own version wins, last
        for leaf in older.leaf_categories():
            cap = older.yearly_cap_for(leaf.code)
            if cap is None:
                caps.pop(leaf.code, None)
            else:
                caps[leaf.code] = cap
    return caps


def people_year_hours(
    people: QuerySet[Person], credit_year: int, *, compliance: str = ""
) -> QuerySet[Person]:
    """`people` annotated with the year's hours and compliance, in the database.

    general_hours, professional_claimed (stored, before caps), professional_hours (after each
    category's yearly cap of the person's profile), total_hours, required_total (None when no
    profile applies) and met. `compliance` "met" / "unmet" filters. No per-person query: the
    stored YearTotal row is joined, caps (only if a profile has any) are correlated subqueries.
    """
    nodes, rules = year_rules(credit_year)
    profile = Case(
        *[When(unit__path__startswith=path, then=Value(key)) for path, key in nodes],
        default=Value(""),
        output_field=CharField(),
    )
    people = people.annotate(
        year_total=FilteredRelation(
            "year_totals", condition=Q(year_totals__credit_year=credit_year)
        ),
        profile_key=profile,
        general_hours=Coalesce(F("year_total__general_hours"), _hours(0), output_field=DECIMAL),
        professional_claimed=Coalesce(
            F("year_total__professional_hours"), _hours(0), output_field=DECIMAL
        ),
    )
    over_cap = [
        When(profile_key=rule.key, then=_excess(rule.caps, credit_year))
        for rule in rules.values()
        if rule.caps
    ]
    if over_cap:
        counted: Any = ExpressionWrapper(
            F("professional_claimed") - Case(*over_cap, default=_hours(0), output_field=DECIMAL),
            output_field=DECIMAL,
        )
    else:
        counted = F("professional_claimed")

    def required(attribute: str) -> Case:
        return Case(
            *[
                When(profile_key=rule.key, then=_hours(getattr(rule, attribute)))
                for rule in rules.values()
            ],
            default=Value(None, output_field=DECIMAL),
            output_field=DECIMAL,
        )

    people = people.annotate(
        professional_hours=counted,
        total_hours=ExpressionWrapper(
            F("general_hours") + F("professional_hours"), output_field=DECIMAL
        ),
        required_total=required("total"),
        required_general=required("general"),
        required_professional=required("professional"),
    ).annotate(
        met=Case(
            When(
                Q(required_total__isnull=False)
                & Q(total_hours__gte=F("required_total"))
                & Q(general_hours__gte=F("required_general"))
                & Q(professional_hours__gte=F("required_professional")),
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        )
    )
    if compliance == "met":
        people = people.filter(met=True)
    elif compliance == "unmet":
        people = people.filter(met=False)
    return people


def _excess(caps: dict[str, Decimal], credit_year: int) -> Any:
    """Hours above the yearly caps, summed over the capped categories (one subquery each)."""
    terms = []
    for code, cap in sorted(caps.items()):
        granted = (
            LedgerEntry.objects.filter(
                person=OuterRef("pk"),
                credit_year=credit_year,
                subject=SubjectKind.PROFESSIONAL,
                category_code=code,
            )
            .order_by()
            .values("person")
            .annotate(hours=Sum("hours"))
            .values("hours")
        )
        hours = Coalesce(Subquery(granted, output_field=DECIMAL), _hours(0), output_field=DECIMAL)
        terms.append(
            Greatest(
                ExpressionWrapper(hours - _hours(cap), output_field=DECIMAL),
                _hours(0),
                output_field=DECIMAL,
            )
        )
    total: Any = terms[0]
    for term in terms[1:]:
        total = ExpressionWrapper(total + term, output_field=DECIMAL)
    return total


def search_people(people: QuerySet[Person], query: str) -> QuerySet[Person]:
    """By name (part of it) or the full ID number."""
    query = query.strip()
    if not query:
        return people
    return people.filter(Q(name__contains=query) | id_number_q(query))


def credit_years(people: QuerySet[Person], *, today: datetime.date, back: int = 5) -> list[int]:
    """Years to choose from: the last few and any year with hours in scope, newest first."""
    recorded = YearTotal.objects.filter(person__in=people.values("pk")).values_list(
        "credit_year", flat=True
    )
    years = set(range(today.year - back, today.year + 1)) | set(recorded.distinct())
    return sorted(years, reverse=True)


def shortfall_text(compliance: Compliance) -> str:
    """ "还差 X 学时" and what is missing, from Compliance.shortfalls ("" when met)."""
    if compliance.met or compliance.required_total is None:
        return ""
    return f"还差 {fmt(compliance.missing.total)} 学时：{'，'.join(compliance.shortfalls)}"
