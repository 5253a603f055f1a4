"""学时申报统计: every figure is a database aggregate over the claims the active role may see.

No function here loops over claims in Python: each table is one GROUP BY (a handful of rows
come back), and Python only attaches labels. The organisation table rolls the claims of a
whole subtree up to the direct children of the current node in SQL, by cutting the child's id
out of the unit's materialised path (``/1/7/42/`` → under ``/1/`` the child is ``7``).

The count-and-hours tables and the filter choices read the summaries (``DeclarationSummary``,
kept by triggers: ``reports/summaries.py``) when the database keeps them (PostgreSQL) and the
filters can be answered from them (no submitted-date range, a role whose scope is a set of
organisations): a few thousand summary rows are summed instead of a million claims grouped.
A supervisor's or authority's scope is its subtree and the claims it declared (summary rows
keyed by unit and by declaring organisation), plus the few claims routed to it from outside
(``RoutedStep``), counted directly and added.

Compliance per unit (达标) is the ledger's one rule (``ledger.selectors.people_year_hours``:
category caps, the professional share and the general minimum), counted per unit in SQL.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    DecimalField,
    DurationField,
    ExpressionWrapper,
    F,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, StrIndex, Substr, TruncMonth
from django.utils import timezone

from xueshi.accounts.models import Person, RoleAssignment, RoleKind
from xueshi.accounts.permissions import organizations_in_scope, people_in_scope
from xueshi.core.identifiers import region_name
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.declarations.permissions import (
    declarations_in_scope_for_aggregation,
)
from xueshi.ledger.selectors import people_year_hours
from xueshi.orgs.models import Organization, path_depth
from xueshi.policy.resolver import resolve_version
from xueshi.review.models import ChainStep, TrailAction, TrailEntry
from xueshi.review.selectors import region_status_word
from xueshi.review.waiting import arrived_at

from .models import (
    CategorySummary,
    DeclarationSummary,
    MonthSummary,
    PendingClaim,
    RolledUpCounts,
    RoutedStep,
    StatusSummary,
    TrackSummary,
    UnitSummary,
    VerdictSummary,
)
from .summaries import summaries_in_use

logger = logging.getLogger(__name__)
ZERO = Decimal(0)
HOURS = DecimalField(max_digits=14, decimal_places=2)
SELF_KEY = "self"
OTHER_KEY = "other"
NO_TRACK = "未填写"


# --- filters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """The conditions of the statistics page; every table and export applies the same."""

    credit_year: int | None = None
    status: str = ""
    category_code: str = ""
    organization: Organization | None = None  # drill-down node: its subtree only
    region_code: str = ""
    track: str = ""  # title series, the text of Person.specialty before the first "/"
    submitted_from: datetime.date | None = None
    submitted_to: datetime.date | None = None

    def as_params(self) -> dict[str, str]:
        """The query-string form, so a background export can rebuild the same filters."""
        params = {
            "year": str(self.credit_year or ""),
            "status": self.status,
            "category": self.category_code,
            "org": str(self.organization.pk) if self.organization else "",
            "region": self.region_code,
            "track": self.track,
            "submitted_from": self.submitted_from.isoformat() if self.submitted_from else "",
            "submitted_to": self.submitted_to.isoformat() if self.submitted_to else "",
        }
        return {key: value for key, value in params.items() if value}


def region_prefix(region_code: str) -> str:
    """450100 (a prefecture) → 4501, so its counties match too; 450102 stays whole."""
    code = region_code
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def track_expression(prefix: str = "person__") -> Case:
    """The title series: 教师系列/高校教师/教授 → 教师系列 (computed in SQL)."""
    specialty = f"{prefix}specialty"
    return Case(
        When(
            **{f"{specialty}__contains": "/"},
            then=Substr(specialty, 1, StrIndex(specialty, Value("/")) - 1),
        ),
        default=F(specialty),
        output_field=CharField(),
    )


def apply_filters(
    declarations: QuerySet[Declaration], filters: Filters, *, skip: Iterable[str] = ()
) -> QuerySet[Declaration]:
    """Narrow `declarations` by every condition except those named in `skip`."""
    skipped = set(skip)
    if filters.credit_year and "credit_year" not in skipped:
        declarations = declarations.filter(credit_year=filters.credit_year)
    if filters.status and "status" not in skipped:
        declarations = declarations.filter(status=filters.status)
    if filters.category_code and "category_code" not in skipped:
        declarations = declarations.filter(category_code=filters.category_code)
    if filters.organization is not None and "organization" not in skipped:
        declarations = declarations.filter(unit__path__startswith=filters.organization.path)
    if filters.region_code and "region_code" not in skipped:
        declarations = declarations.filter(
            unit__region_code__startswith=region_prefix(filters.region_code)
        )
    if filters.track and "track" not in skipped:
        if filters.track == NO_TRACK:
            declarations = declarations.filter(person__specialty="")
        else:
            declarations = declarations.filter(
                Q(person__specialty=filters.track)
                | Q(person__specialty__startswith=f"{filters.track}/")
            )
    if filters.submitted_from and "submitted" not in skipped:
        declarations = declarations.filter(submitted_at__gte=_day_start(filters.submitted_from))
    if filters.submitted_to and "submitted" not in skipped:
        end = _day_start(filters.submitted_to + datetime.timedelta(days=1))
        declarations = declarations.filter(submitted_at__lt=end)
    return declarations


def scoped_declarations(role: RoleAssignment | None) -> QuerySet[Declaration]:
    """The claims the role may count: those it may see, drafts excluded (never sent)."""
    return declarations_in_scope_for_aggregation(role).exclude(status=DeclarationStatus.DRAFT)


def filtered_declarations(
    role: RoleAssignment | None, filters: Filters, *, skip: Iterable[str] = ()
) -> QuerySet[Declaration]:
    return apply_filters(scoped_declarations(role), filters, skip=skip)


# Roles whose scope the summaries' keys (unit, declaring organisation) can express.
SUMMARY_ROLES = (
    RoleKind.PLATFORM_ADMIN,
    RoleKind.AUTHORITY_ADMIN,
    RoleKind.SUPERVISOR_ADMIN,
    RoleKind.UNIT_ADMIN,
    RoleKind.TRAINING_BASE_ADMIN,
)
ROUTED_ROLES = (RoleKind.AUTHORITY_ADMIN, RoleKind.SUPERVISOR_ADMIN)
ROUTED_IDS_LIMIT = 1000


def reads_summaries(role: RoleAssignment | None, filters: Filters) -> bool:
    """Whether the count tables come from the summaries (same figures, far fewer rows)."""
    return (
        summaries_in_use()
        and role is not None
        and role.kind in SUMMARY_ROLES
        and (role.kind == RoleKind.PLATFORM_ADMIN or role.organization is not None)
        and filters.submitted_from is None
        and filters.submitted_to is None
    )


def _summary_scope(
    role: RoleAssignment, model: type[DeclarationSummary] | type[UnitSummary] = DeclarationSummary
) -> QuerySet[Any]:
    """The rows of a summary keyed by unit and declaring organisation in the role's scope."""
    rows = model.objects.all()
    organization = role.organization
    if role.kind == RoleKind.PLATFORM_ADMIN or organization is None:
        return rows
    if role.kind in ROUTED_ROLES:
        return rows.filter(
            Q(unit__path__startswith=organization.path) | Q(registered_by_organization=organization)
        )
    if role.kind == RoleKind.UNIT_ADMIN:
        return rows.filter(Q(unit=organization) | Q(registered_by_organization=organization))
    return rows.filter(registered_by_organization=organization)  # a training base


def summary_rows(
    role: RoleAssignment, filters: Filters, *, skip: Iterable[str] = ()
) -> QuerySet[DeclarationSummary]:
    """The summary rows of the role's scope matching the filters (as `apply_filters`)."""
    skipped = set(skip)
    rows = _summary_scope(role)
    if filters.credit_year and "credit_year" not in skipped:
        rows = rows.filter(credit_year=filters.credit_year)
    if filters.status and "status" not in skipped:
        rows = rows.filter(status=filters.status)
    if filters.category_code and "category_code" not in skipped:
        rows = rows.filter(category_code=filters.category_code)
    if filters.organization is not None and "organization" not in skipped:
        rows = rows.filter(unit__path__startswith=filters.organization.path)
    if filters.region_code and "region_code" not in skipped:
        rows = rows.filter(unit__region_code__startswith=region_prefix(filters.region_code))
    if filters.track and "track" not in skipped:
        rows = rows.filter(track="" if filters.track == NO_TRACK else filters.track)
    return rows


def unit_rows(role: RoleAssignment, filters: Filters) -> QuerySet[UnitSummary] | None:
    """The per-unit summary rows of the role's scope matching the filters, when it can answer
    them (no status, category or title-series condition: those are not its keys)."""
    if not reads_summaries(role, filters) or filters.status or filters.category_code:
        return None
    if filters.track:
        return None
    rows = _summary_scope(role, UnitSummary)
    if filters.credit_year:
        rows = rows.filter(credit_year=filters.credit_year)
    if filters.organization is not None:
        rows = rows.filter(unit__path__startswith=filters.organization.path)
    if filters.region_code:
        rows = rows.filter(unit__region_code__startswith=region_prefix(filters.region_code))
    return rows


def rollup_scope(role: RoleAssignment, filters: Filters) -> Q | None:
    """Which rows of a summary keyed by top-level authority (`root`) hold the role's counts
    in these filters, or None when such a summary cannot tell: only the platform and a
    top-level authority (its subtree is its `root`), the year and a top-level drill-down
    node; any other condition is answered from the fine summary."""
    if not reads_summaries(role, filters):
        return None
    if filters.status or filters.category_code or filters.region_code or filters.track:
        return None
    node = filters.organization
    if node is not None and node.parent_id is not None:
        return None
    organization = role.organization
    if role.kind == RoleKind.PLATFORM_ADMIN:
        scope = Q()
    elif role.kind in ROUTED_ROLES and organization is not None and organization.parent_id is None:
        scope = Q(root=organization) | Q(registered_by_organization=organization)
    else:
        return None
    if node is not None:
        scope &= Q(root=node)
    if filters.credit_year:
        scope &= Q(credit_year=filters.credit_year)
    return scope


def _rolled_up_rows(
    model: type[RolledUpCounts], role: RoleAssignment, filters: Filters
) -> QuerySet[Any] | None:
    if model is UnitSummary:
        return unit_rows(role, filters)
    scope = rollup_scope(role, filters)
    return None if scope is None else model._default_manager.filter(scope)


def routed_declarations(
    role: RoleAssignment, filters: Filters, *, skip: Iterable[str] = ()
) -> QuerySet[Declaration] | None:
    """A supervisor's or authority's claims that no summary row of its scope holds: routed
    to its subtree from a unit outside it, not declared by it (few; counted directly); None
    when there are none."""
    organization = role.organization
    if role.kind not in ROUTED_ROLES or organization is None:
        return None
    steps = RoutedStep.objects.filter(organization__path__startswith=organization.path)
    # Usually none or a handful: read them first, so that the tables skip the claims table
    # when there are none and otherwise look the few up by key.
    found = list(steps.values_list("declaration_id", flat=True)[: ROUTED_IDS_LIMIT + 1])
    if not found:
        return None
    ids: Any = found if len(found) <= ROUTED_IDS_LIMIT else steps.values("declaration_id")
    routed = (
        Declaration.objects.exclude(status__in=(DeclarationStatus.DRAFT, DeclarationStatus.DELETED))
        .filter(pk__in=ids)
        .exclude(unit__path__startswith=organization.path)
        .exclude(registered_by_organization=organization)
    )
    return apply_filters(routed, filters, skip=skip)


def _summary_measures() -> dict[str, Any]:
    return {
        "n": Coalesce(Sum("declarations"), Value(0)),
        "approved": Coalesce(
            Sum("declarations", filter=Q(status=DeclarationStatus.APPROVED)), Value(0)
        ),
        "claimed": Coalesce(Sum("hours_claimed"), Value(ZERO), output_field=HOURS),
        "granted": Coalesce(Sum("hours_granted"), Value(ZERO), output_field=HOURS),
    }


def _rolled_up_measures() -> dict[str, Any]:
    return {
        "n": Coalesce(Sum("declarations"), Value(0)),
        "approved": Coalesce(Sum("approved"), Value(0)),
        "claimed": Coalesce(Sum("hours_claimed"), Value(ZERO), output_field=HOURS),
        "granted": Coalesce(Sum("hours_granted"), Value(ZERO), output_field=HOURS),
    }


def _counts(
    role: RoleAssignment | None,
    filters: Filters,
    keys: tuple[str, ...] = (),
    expressions: Mapping[str, Any] | None = None,
    *,
    summary_keys: tuple[str, ...] | None = None,
    sent_only: bool = False,
    rollup: type[RolledUpCounts] | None = None,
) -> list[dict]:
    """One table's groups: from the table's own summary (`rollup`) or the fine summary (plus
    the routed claims) when they can answer, else one GROUP BY over the claims.
    `summary_keys` names the summaries' own columns for keys computed from the claims
    (`track`, `month`); the rows come back under the same names."""
    expressions = dict(expressions or {})
    if role is None or not reads_summaries(role, filters):
        declarations = filtered_declarations(role, filters)
        if sent_only:
            declarations = declarations.filter(submitted_at__isnull=False)
        return _grouped(declarations, *keys, **expressions)
    rows = _rolled_up_rows(rollup, role, filters) if rollup is not None else None
    measures = _rolled_up_measures()
    if rows is None:
        rows, measures = summary_rows(role, filters), _summary_measures()
    if sent_only:
        rows = rows.filter(month__isnull=False)
    names = summary_keys if summary_keys is not None else (*keys, *expressions)
    if summary_keys is None and expressions:
        rows = rows.annotate(**expressions)
    grouped = list(rows.order_by().values(*names).annotate(**measures).order_by())
    routed = routed_declarations(role, filters)
    if routed is not None:
        if sent_only:
            routed = routed.filter(submitted_at__isnull=False)
        grouped = _merged(grouped, _grouped(routed, *keys, **expressions), names)
    return [row for row in grouped if row["n"]]


def _merged(first: list[dict], second: list[dict], names: Iterable[str]) -> list[dict]:
    names = tuple(names)

    def key_of(row: Mapping[str, Any]) -> tuple[Any, ...]:
        # TruncMonth gives a local datetime where the summary keeps the month's date.
        return tuple(
            row[name].date() if isinstance(row[name], datetime.datetime) else row[name]
            for name in names
        )

    merged = {key_of(row): dict(row) for row in first}
    for row in second:
        key = key_of(row)
        if key not in merged:
            merged[key] = {**row, **dict(zip(names, key, strict=True))}
            continue
        for measure in ("n", "approved", "claimed", "granted"):
            merged[key][measure] += row[measure]
    return list(merged.values())


def default_node(role: RoleAssignment | None) -> Organization | None:
    """Where the organisation table starts: the role's own organisation (platform: the roots)."""
    if role is None or role.kind == RoleKind.PLATFORM_ADMIN:
        return None
    return role.organization


def node_in_scope(role: RoleAssignment | None, organization_id: int | None) -> Organization | None:
    """The drill-down node named in the query string, if the role may see it."""
    if organization_id is None:
        return None
    return organizations_in_scope(role).filter(pk=organization_id).first()


# --- table rows ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StatRow:
    """One line of a count-and-hours table."""

    key: str
    label: str
    count: int
    hours_claimed: Decimal
    hours_granted: Decimal
    approved: int = 0
    organization_id: int | None = None  # organisation rows: drill down into this node
    drillable: bool = False


@dataclass(frozen=True)
class StatTable:
    key: str
    title: str
    dimension: str  # header of the first column
    rows: list[StatRow]

    @property
    def total(self) -> StatRow:
        return StatRow(
            key="total",
            label="合计",
            count=sum(row.count for row in self.rows),
            hours_claimed=sum((row.hours_claimed for row in self.rows), ZERO),
            hours_granted=sum((row.hours_granted for row in self.rows), ZERO),
            approved=sum(row.approved for row in self.rows),
        )


def _measures() -> dict[str, Any]:
    return {
        "n": Count("id"),
        "approved": Count("id", filter=Q(status=DeclarationStatus.APPROVED)),
        "claimed": Coalesce(Sum("hours_claimed"), Value(ZERO), output_field=HOURS),
        "granted": Coalesce(Sum("hours_granted"), Value(ZERO), output_field=HOURS),
    }


def _grouped(declarations: QuerySet[Declaration], *keys: str, **expressions: Any) -> list[dict]:
    query = declarations.order_by()
    if expressions:
        query = query.annotate(**expressions)
    return list(query.values(*keys, *expressions).annotate(**_measures()).order_by())


def _row(key: Any, label: str, values: Mapping[str, Any], **extra: Any) -> StatRow:
    return StatRow(
        key=str(key),
        label=label,
        count=values["n"],
        hours_claimed=values["claimed"],
        hours_granted=values["granted"],
        approved=values["approved"],
        **extra,
    )


def child_key_expression(node: Organization | None) -> Case:
    """For each claim, which direct child of `node` its unit lies under (an id as text)."""
    prefix = node.path if node is not None else "/"
    rest = Substr("unit__path", len(prefix) + 1)
    whens = [
        When(unit__path__startswith=prefix, then=Substr(rest, 1, StrIndex(rest, Value("/")) - 1))
    ]
    if node is not None:
        whens.insert(0, When(unit__path=node.path, then=Value(SELF_KEY)))
    return Case(*whens, default=Value(OTHER_KEY), output_field=CharField())


def by_organization(
    role: RoleAssignment | None, filters: Filters, node: Organization | None
) -> StatTable:
    """Direct children of `node`, each with its whole subtree's claims; drill down by clicking."""
    grouped = _counts(
        role, filters, expressions={"child": child_key_expression(node)}, rollup=UnitSummary
    )
    in_scope = organizations_in_scope(role)
    children = (
        in_scope.filter(parent=node) if node is not None else in_scope.filter(parent__isnull=True)
    )
    # The name is all a row needs (a whole row would decrypt each child's contact phone).
    names = {
        str(child.pk): child
        for child in children.select_related(None).order_by("name").only("pk", "name")
    }
    with_children = set(
        Organization.objects.filter(parent__in=list(names.values()))
        .values_list("parent_id", flat=True)
        .distinct()
    )
    by_key = {row["child"]: row for row in grouped}
    empty = {"n": 0, "approved": 0, "claimed": ZERO, "granted": ZERO}
    rows: list[StatRow] = []
    if node is not None and SELF_KEY in by_key:
        rows.append(_row(SELF_KEY, f"{node.name}（本级）", by_key[SELF_KEY]))
    for key, child in names.items():
        rows.append(
            _row(
                key,
                child.name,
                by_key.get(key, empty),
                organization_id=child.pk,
                drillable=child.pk in with_children,
            )
        )
    other = {key: row for key, row in by_key.items() if key not in names and key != SELF_KEY}
    if other:
        merged = {measure: sum(row[measure] for row in other.values()) for measure in empty}
        rows.append(_row(OTHER_KEY, "其他（直接报送或下属范围以外的单位）", merged))
    title = f"按机构统计（{node.name}的下级）" if node is not None else "按机构统计"
    return StatTable("organization", title, "机构", rows)


def by_region(role: RoleAssignment | None, filters: Filters) -> StatTable:
    grouped = _counts(role, filters, ("unit__region_code",), rollup=UnitSummary)
    rows = [
        _row(
            row["unit__region_code"] or "",
            region_name(row["unit__region_code"]) if row["unit__region_code"] else "无单位",
            row,
        )
        for row in sorted(grouped, key=lambda item: item["unit__region_code"] or "")
    ]
    return StatTable("region", "按地区统计", "地区", rows)


def by_category(role: RoleAssignment | None, filters: Filters) -> StatTable:
    grouped = _counts(role, filters, ("category_code", "category_name"), rollup=CategorySummary)
    grouped.sort(key=lambda item: (-item["n"], item["category_name"]))
    rows = [_row(row["category_code"], row["category_name"], row) for row in grouped]
    return StatTable("category", "按申报类型统计", "申报类型", rows)


def by_status(role: RoleAssignment | None, filters: Filters) -> StatTable:
    """按状态统计 in the region's own words (Zhejiang: 个人上报, 企业审核通过 … as its pages say;
    issue 13 item 1): claims grouped by state and the level where they wait or were decided,
    those the region calls alike counted together, in the order of the states."""
    word = region_status_word(role)
    order = {status: index for index, (status, _label) in enumerate(DeclarationStatus.choices)}
    grouped = sorted(
        _counts(role, filters, ("status", "status_level"), rollup=StatusSummary),
        key=lambda row: (order.get(row["status"], len(order)), row["status_level"] or ""),
    )
    merged: dict[str, dict[str, Any]] = {}
    for row in grouped:
        label = word(row["status"], row["status_level"] or "")
        found = merged.get(label)
        if found is None:
            merged[label] = dict(row)
            continue
        for measure in ("n", "approved", "claimed", "granted"):
            found[measure] += row[measure]
    rows = [_row(row["status"], label, row) for label, row in merged.items()]
    return StatTable("status", "按状态统计", "状态", rows)


def by_year(role: RoleAssignment | None, filters: Filters) -> StatTable:
    grouped = _counts(role, filters, ("credit_year",), rollup=StatusSummary)
    rows = [
        _row(row["credit_year"], f"{row['credit_year']}年度", row)
        for row in sorted(grouped, key=lambda item: item["credit_year"])
    ]
    return StatTable("year", "按计入年度统计", "计入年度", rows)


def by_track(role: RoleAssignment | None, filters: Filters) -> StatTable:
    grouped = _counts(
        role,
        filters,
        expressions={"track": track_expression()},
        summary_keys=("track",),
        rollup=TrackSummary,
    )
    grouped.sort(key=lambda item: (-item["n"], item["track"] or ""))
    rows = [_row(row["track"] or NO_TRACK, row["track"] or NO_TRACK, row) for row in grouped]
    return StatTable("track", "按职称系列统计", "职称系列", rows)


def by_month(role: RoleAssignment | None, filters: Filters) -> StatTable:
    """Submissions per month (by the date the claim was sent)."""
    grouped = _counts(
        role,
        filters,
        expressions={"month": TruncMonth("submitted_at")},
        summary_keys=("month",),
        sent_only=True,
        rollup=MonthSummary,
    )
    rows = [
        _row(f"{row['month']:%Y-%m}", f"{row['month']:%Y年%m月}", row)
        for row in sorted(grouped, key=lambda item: item["month"])
    ]
    return StatTable("month", "按提交月份统计", "提交月份", rows)


# --- compliance ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplianceRow:
    unit_id: int
    unit_name: str
    people: int
    met: int
    required_total: Decimal | None

    @property
    def rate(self) -> float:
        return self.met * 100 / self.people if self.people else 0.0


def requirement_expression(credit_year: int, prefix: str = "person__unit__") -> Case | None:
    """The yearly total required for a unit, from the profile named on it or its ancestors.

    Few organisations name a profile (usually the authorities), so this is a CASE with one
    branch per such organisation, longest path first (the nearest profile wins).
    """
    named = Organization.objects.exclude(policy_profile="").values_list("path", "policy_profile")
    whens = []
    for path, profile in sorted(named, key=lambda item: -len(item[0])):
        try:
            version = resolve_version(profile, datetime.date(credit_year, 1, 1))
        except Exception:  # an unknown or broken profile: that subtree has no requirement
            logger.warning("统计：政策配置 %s 无法读取，其下单位不计达标率。", profile)
            continue
        whens.append(
            When(**{f"{prefix}path__startswith": path}, then=Value(version.requirement.total_hours))
        )
    if not whens:
        return None
    return Case(*whens, default=Value(None), output_field=HOURS)


def compliance_by_unit(
    role: RoleAssignment | None, filters: Filters, credit_year: int
) -> list[ComplianceRow]:
    """Share of each unit's people whose year meets the requirement (达标).

    达标 is the ledger's rule, the one a person's page shows (``people_year_hours``: yearly
    category caps, the professional share, the general minimum; the profile version in force
    on 1 January of the year); people count under their current unit. Two grouped queries:
    people per unit, and people meeting the requirement per unit.
    """
    people: QuerySet[Person] = people_in_scope(role).filter(unit__isnull=False)
    if filters.organization is not None:
        people = people.filter(unit__path__startswith=filters.organization.path)
    if filters.region_code:
        people = people.filter(unit__region_code__startswith=region_prefix(filters.region_code))
    if filters.track:
        if filters.track == NO_TRACK:
            people = people.filter(specialty="")
        else:
            people = people.filter(
                Q(specialty=filters.track) | Q(specialty__startswith=f"{filters.track}/")
            )
    headcount = list(
        people.order_by().values("unit_id", "unit__name", "unit__path").annotate(n=Count("id"))
    )
    required_case = requirement_expression(credit_year)
    met: dict[int, int] = {}
    required: dict[int, Decimal | None] = {}
    if required_case is not None:
        totals = (
            people_year_hours(
                Person.objects.filter(pk__in=people.values("pk")), credit_year, compliance="met"
            )
            .order_by()
            .values("unit_id")
            .annotate(met_count=Count("id"))
        )
        met = {row["unit_id"]: row["met_count"] for row in totals}
        unit_required = (
            Organization.objects.filter(pk__in=[row["unit_id"] for row in headcount])
            .annotate(required=requirement_expression(credit_year, prefix=""))
            .values_list("pk", "required")
        )
        required = dict(unit_required)
    rows = [
        ComplianceRow(
            unit_id=row["unit_id"],
            unit_name=row["unit__name"],
            people=row["n"],
            met=met.get(row["unit_id"], 0),
            required_total=required.get(row["unit_id"]),
        )
        for row in headcount
    ]
    rows.sort(key=lambda item: (item.rate, item.unit_name))
    return rows


# --- reviewers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ThroughputRow:
    organization_name: str
    level_name: str
    approved: int
    returned: int
    rejected: int

    @property
    def total(self) -> int:
        return self.approved + self.returned + self.rejected


VERDICTS = ("approved", "returned", "rejected")


def _verdict_counts(count: type[Count] | type[Sum], field_name: str) -> dict[str, Any]:
    return {
        name: Coalesce(count(field_name, filter=Q(action=action)), Value(0))
        for name, action in zip(
            VERDICTS, (TrailAction.APPROVE, TrailAction.RETURN, TrailAction.REJECT), strict=True
        )
    }


def _verdicts_from_trail(
    declarations: QuerySet[Declaration], filters: Filters
) -> list[dict[str, Any]]:
    entries = TrailEntry.objects.filter(
        declaration__in=declarations.values("pk"),
        action__in=(TrailAction.APPROVE, TrailAction.RETURN, TrailAction.REJECT),
    )
    if filters.submitted_from:
        entries = entries.filter(at__gte=_day_start(filters.submitted_from))
    if filters.submitted_to:
        entries = entries.filter(
            at__lt=_day_start(filters.submitted_to + datetime.timedelta(days=1))
        )
    grouped = (
        entries.order_by()
        .values("organization__name", "level_name")
        .annotate(**_verdict_counts(Count, "id"))
        .order_by()
    )
    return [dict(row) for row in grouped]


def _verdicts(role: RoleAssignment | None, filters: Filters) -> list[dict[str, Any]]:
    """From the verdict summary (plus the claims routed to the role, from the trail) when it
    can answer, else from the trail of every claim in scope."""
    scope = rollup_scope(role, replace(filters, status="")) if role is not None else None
    if role is None or scope is None:
        return _verdicts_from_trail(
            filtered_declarations(role, filters, skip=("status", "submitted")), filters
        )
    grouped: list[dict[str, Any]] = [
        dict(row)
        for row in VerdictSummary.objects.filter(scope)
        .order_by()
        .values("organization__name", "level_name")
        .annotate(**_verdict_counts(Sum, "verdicts"))
        .order_by()
    ]
    routed = routed_declarations(role, filters, skip=("status", "submitted"))
    if routed is None:
        return grouped
    merged = {(row["organization__name"], row["level_name"]): row for row in grouped}
    for row in _verdicts_from_trail(routed, filters):
        found = merged.setdefault((row["organization__name"], row["level_name"]), row)
        if found is not row:
            for name in VERDICTS:
                found[name] += row[name]
    return list(merged.values())


def reviewer_throughput(role: RoleAssignment | None, filters: Filters) -> list[ThroughputRow]:
    """Verdicts given per organisation and level, in the period (the submitted-date range
    applies to the verdict's date here), over the claims matching the other conditions."""
    grouped = sorted(
        (row for row in _verdicts(role, filters) if any(row[name] for name in VERDICTS)),
        key=lambda row: (row["organization__name"] or "", row["level_name"] or ""),
    )
    return [
        ThroughputRow(
            organization_name=row["organization__name"] or "—",
            level_name=row["level_name"] or "—",
            approved=row["approved"],
            returned=row["returned"],
            rejected=row["rejected"],
        )
        for row in grouped
    ]


@dataclass(frozen=True)
class PendingRow:
    level_name: str
    organization_name: str
    count: int
    average_days: float
    max_days: float


def pending_age(
    role: RoleAssignment | None, filters: Filters, *, now: datetime.datetime | None = None
) -> list[PendingRow]:
    """Pending claims by the level that must act now: how many, and how long they have waited
    at that level (time in level: since they reached it, review/waiting.py)."""
    now = now or timezone.now()
    grouped = _pending_groups(role, filters, now)
    day = datetime.timedelta(days=1)
    rows = [
        PendingRow(
            level_name=row["level_name"],
            organization_name=row["organization__name"],
            count=row["n"],
            average_days=round(_as_duration(row["average"]) / day, 1),
            max_days=round((now - row["oldest"]) / day, 1) if row["oldest"] else 0.0,
        )
        for row in grouped
    ]
    rows.sort(key=lambda item: (-item.average_days, item.organization_name))
    return rows


def _pending_from_steps(
    declarations: QuerySet[Declaration], now: datetime.datetime
) -> list[dict[str, Any]]:
    waiting = ExpressionWrapper(Value(now) - F("arrived"), output_field=DurationField())
    grouped = (
        ChainStep.objects.filter(
            declaration__in=declarations.filter(status=DeclarationStatus.PENDING).values("pk"),
            position=F("declaration__current_position"),
        )
        .annotate(arrived=arrived_at("declaration_id", "declaration__submitted_at"))
        .order_by()
        .values("level_name", "organization__name")
        .annotate(n=Count("id"), average=Avg(waiting), oldest=Min("arrived"))
    )
    return [dict(row) for row in grouped]


def _pending_groups(
    role: RoleAssignment | None, filters: Filters, now: datetime.datetime
) -> list[dict[str, Any]]:
    """From the pending claims kept by triggers (`PendingClaim`, plus those routed to the role)
    when they can answer, else from the chain steps and trail of every pending claim."""
    scope = rollup_scope(role, replace(filters, status="")) if role is not None else None
    if role is None or scope is None:
        return _pending_from_steps(filtered_declarations(role, filters, skip=("status",)), now)
    waiting = ExpressionWrapper(Value(now) - F("arrived_at"), output_field=DurationField())
    grouped: list[dict[str, Any]] = [
        dict(row)
        for row in PendingClaim.objects.filter(scope)
        .order_by()
        .values("level_name", "organization__name")
        .annotate(n=Count("declaration_id"), average=Avg(waiting), oldest=Min("arrived_at"))
    ]
    routed = routed_declarations(role, filters, skip=("status",))
    if routed is None:
        return grouped
    merged = {(row["level_name"], row["organization__name"]): row for row in grouped}
    for row in _pending_from_steps(routed, now):
        found = merged.setdefault((row["level_name"], row["organization__name"]), row)
        if found is row:
            continue
        # A handful of routed claims: their mean joins the group's, weighted by count.
        counts = (found["n"], row["n"])
        found["average"] = (
            _as_duration(found["average"]) * counts[0] + _as_duration(row["average"]) * counts[1]
        ) / sum(counts)
        found["n"] = sum(counts)
        oldest = [value for value in (found["oldest"], row["oldest"]) if value is not None]
        found["oldest"] = min(oldest, default=None)
    return list(merged.values())


def _as_duration(value: Any) -> datetime.timedelta:
    if value is None:
        return datetime.timedelta(0)
    if isinstance(value, datetime.timedelta):
        return value
    return datetime.timedelta(microseconds=float(value))  # SQLite: microseconds


# --- the whole page ------------------------------------------------------------------------


@dataclass
class Statistics:
    """The page's count tables. The three tables with a row per organisation (compliance,
    throughput, pending) are `SECTIONS`, each loaded and paged on its own: at province scale
    they hold thousands of rows and the slowest queries, and the page must not wait for them."""

    filters: Filters
    node: Organization | None
    compliance_year: int
    tables: dict[str, StatTable] = field(default_factory=dict)


def count_tables(
    role: RoleAssignment | None, filters: Filters, node: Organization | None
) -> dict[str, StatTable]:
    """The count-and-hours tables, one GROUP BY each (the part the benchmark measures)."""
    tables = [
        by_organization(role, filters, node),
        by_category(role, filters),
        by_status(role, filters),
        by_year(role, filters),
        by_region(role, filters),
        by_track(role, filters),
        by_month(role, filters),
    ]
    return {table.key: table for table in tables}


def statistics(role: RoleAssignment | None, filters: Filters) -> Statistics:
    node = filters.organization or default_node(role)
    return Statistics(
        filters=filters,
        node=node,
        compliance_year=compliance_year_of(filters),
        tables=count_tables(role, filters, node),
    )


def compliance_year_of(filters: Filters) -> int:
    return filters.credit_year or default_compliance_year()


# The tables with a row per organisation, by key (compliance lowest rate first, pending longest
# wait first, throughput by organisation): the page's sections and their exports read these.
SECTIONS: dict[str, Callable[[RoleAssignment | None, Filters], Sequence[Any]]] = {
    "compliance": lambda role, filters: compliance_by_unit(
        role, filters, compliance_year_of(filters)
    ),
    "throughput": reviewer_throughput,
    "pending": lambda role, filters: pending_age(role, filters),
}


def default_compliance_year() -> int:
    """Without a year chosen, compliance is shown for the current year (who is still short)."""
    return timezone.localdate().year


def with_node(filters: Filters, node: Organization | None) -> Filters:
    return replace(filters, organization=node)


# --- filter choices ------------------------------------------------------------------------


@dataclass(frozen=True)
class FilterChoices:
    years: list[int]
    categories: list[tuple[str, str]]
    regions: list[tuple[str, str]]
    tracks: list[str]
    organizations: list[tuple[int, str]]


ORGANIZATION_CHOICES_LIMIT = 500


def filter_choices(role: RoleAssignment | None) -> FilterChoices:
    """What the filter selects offer: values present in the role's claims (a query each; from
    the summaries where the count tables read them)."""
    if role is not None and reads_summaries(role, Filters()):
        years_found, categories_found, region_codes_found, tracks_found = _choices_from_summaries(
            role
        )
    else:
        declarations = scoped_declarations(role).order_by()
        years_found = set(declarations.values_list("credit_year", flat=True).distinct())
        categories_found = set(
            declarations.values_list("category_code", "category_name").distinct()
        )
        region_codes_found = set(
            declarations.values_list("unit__region_code", flat=True).distinct()
        )
        tracks_found = set(
            declarations.annotate(track=track_expression())
            .values_list("track", flat=True)
            .distinct()
        )
    years = sorted(years_found, reverse=True)
    categories = sorted(categories_found, key=lambda item: (item[1], item[0]))
    region_codes = sorted({code for code in region_codes_found if code})
    tracks = sorted({track or NO_TRACK for track in tracks_found})
    # Three columns, not rows: a row decrypts its contact phone, 500 times a page.
    organizations = [
        (pk, "　" * path_depth(path) + name)
        for pk, name, path in organizations_in_scope(role)
        .order_by("path")
        .values_list("pk", "name", "path")[:ORGANIZATION_CHOICES_LIMIT]
    ]
    return FilterChoices(
        years=years,
        categories=categories,
        regions=[(code, region_name(code)) for code in region_codes],
        tracks=tracks,
        organizations=organizations,
    )


def _choices_from_summaries(
    role: RoleAssignment,
) -> tuple[set[int], set[tuple[str, str]], set[str | None], set[str | None]]:
    counted = Q(declarations__gt=0)
    scope = rollup_scope(role, Filters())
    # Each from the smallest summary holding it: the per-table ones where the role's scope
    # is a top-level authority (or everything), else the fine one.
    fine = _summary_scope(role).filter(counted).order_by()
    by_year = StatusSummary.objects.filter(scope) if scope is not None else fine
    by_category = CategorySummary.objects.filter(scope) if scope is not None else fine
    by_track = TrackSummary.objects.filter(scope) if scope is not None else fine
    by_unit = _summary_scope(role, UnitSummary)
    years = set(by_year.filter(counted).order_by().values_list("credit_year", flat=True).distinct())
    categories = set(
        by_category.filter(counted)
        .order_by()
        .values_list("category_code", "category_name")
        .distinct()
    )
    regions: set[str | None] = set(
        by_unit.filter(counted).order_by().values_list("unit__region_code", flat=True).distinct()
    )
    tracks: set[str | None] = set(
        by_track.filter(counted).order_by().values_list("track", flat=True).distinct()
    )
    routed = routed_declarations(role, Filters())
    if routed is not None:
        routed = routed.order_by()
        years |= set(routed.values_list("credit_year", flat=True).distinct())
        categories |= set(routed.values_list("category_code", "category_name").distinct())
        regions |= set(routed.values_list("unit__region_code", flat=True).distinct())
        tracks |= set(
            routed.annotate(track=track_expression()).values_list("track", flat=True).distinct()
        )
    return years, categories, regions, tracks


def breadcrumbs(role: RoleAssignment | None, node: Organization | None) -> list[Organization]:
    """The path from the role's own organisation down to the drill-down node (inclusive)."""
    if node is None:
        return []
    top = default_node(role)
    ids = [int(part) for part in node.path.strip("/").split("/") if part]
    nodes = {org.pk: org for org in Organization.objects.filter(pk__in=ids)}
    chain = [nodes[pk] for pk in ids if pk in nodes]
    if top is not None and top.pk in ids:
        chain = chain[ids.index(top.pk) :]
    return chain
