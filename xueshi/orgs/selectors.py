"""Reads on organisations: unit search, review queues, choices for forms."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import Length
from stdnum.cn import uscc

from xueshi.accounts.models import RoleAssignment
from xueshi.accounts.permissions import organizations_in_scope
from xueshi.core.identifiers import region_name

from .models import Department, Organization, OrganizationKind, OrganizationStatus

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


def pending_units(*, role: RoleAssignment | None) -> QuerySet[Organization]:
    """Units waiting for approval that this role may approve or reject (oldest first)."""
    return (
        organizations_in_scope(role)
        .filter(kind=OrganizationKind.UNIT, status=OrganizationStatus.PENDING)
        .select_related("parent", "registered_by")
        .order_by("created_at", "pk")
    )


def organization_detail(*, role: RoleAssignment | None) -> QuerySet[Organization]:
    """Organisations this role may look at, with what the detail page shows already loaded."""
    return (
        organizations_in_scope(role)
        .select_related("parent", "registered_by", "reviewed_by")
        .prefetch_related(Prefetch("departments", queryset=Department.objects.order_by("name")))
    )
