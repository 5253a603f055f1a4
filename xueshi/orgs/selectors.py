"""Reads on organisations: unit search, choices for forms, declaring windows.

Knows no people and no roles (orgs sits below accounts); what a role may see of the tree is
in ``xueshi.units.selectors``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Length
from stdnum.cn import uscc

from xueshi.core.identifiers import credit_code_problem, region_name
from xueshi.policy.loader import ProfileError, ProfileNotFound, get_profile
from xueshi.policy.schema import ProfileVersion

from .models import (
    DeclaringWindow,
    Department,
    Organization,
    OrganizationKind,
    UnitChangeRequest,
)

# The seed (Guangxi) shows at most ten units for a fuzzy search; a full name narrows it down.
UNIT_SEARCH_LIMIT = 10
CREDIT_CODE_LENGTH = 18


def region_is_known(region_code: str) -> bool:
    """Whether a 6-digit administrative division code names a real place."""
    if not (len(region_code) == 6 and region_code.isdigit()):
        return False
    try:
        return region_name(region_code) != region_code
    except KeyError:
        # stdnum's data has some codes without a county entry (e.g. 450199); treat as unknown.
        return False


def region_prefix(region_code: str) -> str:
    """The prefix shared by a region and everything inside it: 450000 → 45, 450100 → 4501."""
    code = region_code.strip()
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


def searchable_units(*, region_code: str | None = None) -> QuerySet[Organization]:
    """Units a person may find in the search: approved (active) units, optionally in one region."""
    units = Organization.objects.units().active()
    if region_code:
        units = units.filter(region_code__startswith=region_prefix(region_code))
    return units


def credit_code_query_problem(query: str) -> str:
    """Why a search text that looks like a credit code cannot be one ("" when it can, or when
    it looks like a name or a unit code): shown when such a search finds nothing."""
    compact = str(uscc.compact(" ".join((query or "").split())))
    looks_like_code = compact.isascii() and compact.isalnum() and any(c.isdigit() for c in compact)
    if not looks_like_code or not 15 <= len(compact) <= 20:
        return ""
    problem = credit_code_problem(compact)
    return problem.messages[0] if problem is not None else ""


def unit_search(
    query: str, *, region_code: str | None = None, limit: int = UNIT_SEARCH_LIMIT
) -> list[Organization]:
    """Find active units by full credit code, exact unit code, or name keywords.

    A full credit code (any case, spaces or dashes ignored) or an exact unit code (职称系统单位编号,
    e.g. DWBH000123) returns that one unit. Otherwise every whitespace-separated keyword must
    occur in the name; names starting with the first keyword come first, then shorter names.
    Only portable lookups (LIKE, LENGTH, CASE) are used, so SQLite and PostgreSQL agree.
    """
    text = " ".join((query or "").split())
    if not text:
        return []
    limit = max(0, min(limit, UNIT_SEARCH_LIMIT))
    units = searchable_units(region_code=region_code)

    compact = str(uscc.compact(text)).upper()
    if len(compact) == CREDIT_CODE_LENGTH:
        by_credit_code = list(units.filter(credit_code=compact)[:1])
        if by_credit_code:
            return by_credit_code
    if " " not in text:
        by_code = list(units.filter(code__iexact=text)[:1])
        if by_code:
            return by_code

    keywords = text.split(" ")
    condition = Q()
    for keyword in keywords:
        condition &= Q(name__icontains=keyword)
    return list(
        units.filter(condition)
        .annotate(
            starts_first=Case(
                When(name__istartswith=keywords[0], then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            name_length=Length("name"),
        )
        .order_by("starts_first", "name_length", "name", "pk")[:limit]
    )


def organization_accepts_submissions(organization: Organization) -> bool:
    """Whether declarations may be submitted to this organisation: only once it is approved."""
    return organization.accepts_submissions


def parent_choices() -> QuerySet[Organization]:
    """Active supervisors and authorities a new unit may be registered under, in tree order."""
    return (
        Organization.objects.active()
        .filter(kind__in=[OrganizationKind.SUPERVISOR, OrganizationKind.AUTHORITY])
        .order_by("path")
    )


# ---- unit administration --------------------------------------------------------------------


def latest_change_request(unit: Organization) -> UnitChangeRequest | None:
    return (
        UnitChangeRequest.objects.filter(unit=unit)
        .select_related("decided_by")
        .order_by("-requested_at", "-pk")
        .first()
    )


def unit_departments(unit: Organization) -> QuerySet[Department]:
    """The unit's departments with how many people and admins each has (for 单位部门管理)."""
    return (
        Department.objects.filter(unit=unit)
        .annotate(
            staff_count=Count("staff", distinct=True),
            admin_count=Count("role_assignments", distinct=True),
        )
        .order_by("name")
    )


# ---- 学时登记开放 -------------------------------------------------------------------------


@dataclass(frozen=True)
class WindowState:
    """Whether a unit's people may declare today, and if not, why (shown on 新登记)."""

    open: bool
    reason: str = ""
    opens_on: datetime.date | None = None
    closes_on: datetime.date | None = None
    # The credit years the open window(s) are for; empty when the unit sets no windows.
    credit_years: tuple[int, ...] = ()


NO_WINDOW_YET = "本单位尚未开放学时登记。"
OUTSIDE_WINDOW = "本单位学时登记开放时间为 {opens} 至 {closes}，当前不在开放时间内。"
WINDOWS_SET_CENTRALLY = "本地区由主管部门统一规定申报时间，单位不能自行设置。"


def unit_policy_version(unit: Organization, today: datetime.date) -> ProfileVersion | None:
    """The unit's profile version in force today (the newest one if none has started yet)."""
    key = unit.effective_policy_profile()
    if not key:
        return None
    try:
        profile = get_profile(key)
    except (ProfileError, ProfileNotFound):
        return None
    return profile.version_on(today) or profile.versions[-1]


def unit_may_open_window(unit: Organization, today: datetime.date) -> bool:
    """Whether the unit's region lets units open declaring for their own people (Guangxi)."""
    version = unit_policy_version(unit, today)
    return bool(version is not None and version.windows.unit_may_open_window)


def declaring_window_state(unit: Organization | None, today: datetime.date) -> WindowState:
    """Whether declaring is open today for the people of `unit`.

    Where the profile lets units open windows, it is open only inside one of the unit's
    windows; everywhere else (and for people without a unit) it is open.
    """
    if unit is None or not unit_may_open_window(unit, today):
        return WindowState(open=True)
    windows = list(DeclaringWindow.objects.filter(unit=unit).order_by("opens_on", "pk"))
    current = [w for w in windows if w.opens_on <= today <= w.closes_on]
    if current:
        return WindowState(
            open=True,
            opens_on=min(w.opens_on for w in current),
            closes_on=max(w.closes_on for w in current),
            credit_years=tuple(sorted({w.credit_year for w in current}, reverse=True)),
        )
    upcoming = [w for w in windows if w.opens_on > today]
    shown = upcoming[0] if upcoming else (windows[-1] if windows else None)
    if shown is None:
        return WindowState(open=False, reason=NO_WINDOW_YET)
    return WindowState(
        open=False,
        reason=OUTSIDE_WINDOW.format(opens=shown.opens_on, closes=shown.closes_on),
        opens_on=shown.opens_on,
        closes_on=shown.closes_on,
    )
