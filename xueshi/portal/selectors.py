"""Read-only queries for the home pages. Counting happens in the database."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, Q, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from xueshi.accounts.models import Person, RoleAssignment, RoleKind
from xueshi.accounts.permissions import declaring_access, region_offers
from xueshi.applications.models import ApplicationStatus
from xueshi.applications.selectors import applications_in_scope
from xueshi.applications.selectors import review_queue as application_queue
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.declarations.permissions import declarations_in_scope_for_aggregation
from xueshi.ledger.selectors import Compliance, year_compliance
from xueshi.orgs.models import Department, Organization, OrganizationKind, OrganizationStatus
from xueshi.review.selectors import review_queue


def person_for_user(user: Any) -> Person | None:
    """The professional record linked to a login, with unit and department loaded."""
    if user is None or not user.is_authenticated:
        return None
    return Person.objects.select_related("unit", "department").filter(user=user).first()


def unit_summary(unit: Organization) -> dict[str, int]:
    """Staff and departments of one unit."""
    return {
        "staff_count": Person.objects.filter(unit=unit).count(),
        "department_count": Department.objects.filter(unit=unit).count(),
    }


def department_summary(department: Department) -> dict[str, int]:
    return {"staff_count": Person.objects.filter(department=department).count()}


def supervision_summary(organization: Organization) -> dict[str, int]:
    """Units beneath a supervising department or authority: active ones, and registrations
    waiting for approval (one query)."""
    return Organization.objects.subtree_of(organization).aggregate(
        unit_count=Count(
            "pk", filter=Q(kind=OrganizationKind.UNIT, status=OrganizationStatus.ACTIVE)
        ),
        pending_unit_count=Count(
            "pk", filter=Q(kind=OrganizationKind.UNIT, status=OrganizationStatus.PENDING)
        ),
    )


def platform_summary() -> dict[str, int]:
    counts = Organization.objects.aggregate(
        organization_count=Count("pk"),
        authority_count=Count("pk", filter=Q(kind=OrganizationKind.AUTHORITY)),
        supervisor_count=Count("pk", filter=Q(kind=OrganizationKind.SUPERVISOR)),
        unit_count=Count(
            "pk", filter=Q(kind=OrganizationKind.UNIT, status=OrganizationStatus.ACTIVE)
        ),
        pending_unit_count=Count(
            "pk", filter=Q(kind=OrganizationKind.UNIT, status=OrganizationStatus.PENDING)
        ),
    )
    counts["person_count"] = Person.objects.count()
    return counts


def home_summary(role: Any, user: Any) -> dict[str, Any]:
    """What the home page of `role` shows, as template context."""
    if role is None:
        return {}
    kind = role.kind
    today = timezone.localdate()
    if kind == RoleKind.PROFESSIONAL:
        person = person_for_user(user)
        return {
            "person": person,
            "declaring_access": declaring_access(person) if person is not None else None,
            "year": today.year,
            "progress": person_home(person, today.year) if person is not None else None,
        }
    if kind == RoleKind.UNIT_ADMIN:
        return {
            "organization": role.organization,
            "claims": claims_home(role, today.year, today),
            **unit_summary(role.organization),
        }
    if kind == RoleKind.DEPARTMENT_ADMIN:
        return {
            "organization": role.organization,
            "department": role.department,
            "claims": claims_home(role, today.year, today),
            **department_summary(role.department),
        }
    if kind in (RoleKind.SUPERVISOR_ADMIN, RoleKind.AUTHORITY_ADMIN):
        return {
            "organization": role.organization,
            "claims": claims_home(role, today.year, today),
            **supervision_summary(role.organization),
        }
    if kind == RoleKind.PLATFORM_ADMIN:
        return platform_summary()
    return {"organization": role.organization}


# --- homes by role (issue 13 item 13) -----------------------------------------------------

# 待提交 / 已退回 drafts the person must act on, shown on the home page (the rest: 申报进度查询).
WAITING_SHOWN = 5
CHART_DAYS = 30


@dataclass(frozen=True)
class PersonHome:
    """The professional's home: this year's hours against the requirement (the one compliance
    rule, `ledger.selectors.year_compliance`) and the claims that wait on them."""

    compliance: Compliance
    returned_count: int
    draft_count: int
    waiting: Sequence[Declaration]

    @property
    def remaining_total(self) -> Decimal:
        """还差 N 学时 toward the year's total (0 when reached)."""
        required = self.compliance.required_total
        if required is None:
            return Decimal(0)
        return max(required - self.compliance.total_hours, Decimal(0))

    @property
    def remaining_general(self) -> Decimal:
        c = self.compliance
        return max(c.required_general - c.general_hours, Decimal(0))

    @property
    def remaining_professional(self) -> Decimal:
        c = self.compliance
        return max(c.required_professional - c.professional_hours, Decimal(0))

    @property
    def general_percent(self) -> int:
        return _percent(self.compliance.general_hours, self.compliance.required_general)

    @property
    def professional_percent(self) -> int:
        c = self.compliance
        return _percent(c.professional_hours, c.required_professional)


def _percent(value: Decimal, required: Decimal | None) -> int:
    if not required:
        return 0
    return min(100, int(value * 100 / required))


def person_home(person: Person, year: int) -> PersonHome:
    """This year's progress (the ledger's queries) and what waits on the person: claims they
    declared themselves that are 待提交 or 已退回 (2 more queries, whatever their number)."""
    own = Declaration.objects.filter(person=person, registered_by_organization__isnull=True)
    waiting_states = (DeclarationStatus.RETURNED, DeclarationStatus.DRAFT)
    counts = own.aggregate(
        returned=Count("pk", filter=Q(status=DeclarationStatus.RETURNED)),
        drafts=Count("pk", filter=Q(status=DeclarationStatus.DRAFT)),
    )
    # Returned first (a reviewer asked for a change), then drafts, newest first.
    waiting = list(
        own.filter(status__in=waiting_states)
        .annotate(returned_first=Case(When(status=DeclarationStatus.RETURNED, then=0), default=1))
        .order_by("returned_first", "-updated_at", "-id")[:WAITING_SHOWN]
    )
    return PersonHome(
        compliance=year_compliance(person, year),
        returned_count=counts["returned"],
        draft_count=counts["drafts"],
        waiting=waiting,
    )


@dataclass(frozen=True)
class ClaimsHome:
    """An organisation's home: the year's claims in its scope (全部 / 已审核 / 待审核), those
    waiting at its own level, and the last month's submissions per day for the chart."""

    year: int
    total: int
    reviewed: int
    pending: int
    in_queue: int
    chart: dict[str, list[Any]]
    # What is counted: 学时申报, or where the region certifies by a yearly application (Xinjiang)
    # 学时认定申请书, with its own queue and results pages.
    noun: str = "学时申报"
    queue_url_name: str = "review:queue"
    results_url_name: str = "review:results"

    @property
    def chart_total(self) -> int:
        return sum(self.chart["submitted"])

    @property
    def chart_rows(self) -> list[tuple[str, int]]:
        """The chart as a table (its text alternative)."""
        return list(zip(self.chart["labels"], self.chart["submitted"], strict=True))


def claims_home(role: RoleAssignment, year: int, today: datetime.date) -> ClaimsHome:
    """Counts in one query, the queue in one, the chart in one: the same for any number of
    claims. 全部 = every claim sent (drafts are the declarant's own business); 已审核 = a verdict
    was given (通过, 不通过 or 退回); 待审核 = still in review at some level."""
    if region_offers(role, "yearly_application"):
        # Xinjiang (issue 14 item 6): the unit's home counts applications (全部申报 / 已审核 /
        # 待审核) and charts their submissions, in the same queries.
        applications = applications_in_scope(role).exclude(status=ApplicationStatus.DRAFT)
        return _year_home(
            applications,
            year,
            today,
            in_queue=application_queue(role).count(),
            noun="学时认定申请书",
            queue_url_name="applications:queue",
            results_url_name="applications:queue",
        )
    scope = declarations_in_scope_for_aggregation(role).exclude(status=DeclarationStatus.DRAFT)
    return _year_home(scope, year, today, in_queue=review_queue(role).count())


def _year_home(
    scope: Any, year: int, today: datetime.date, *, in_queue: int, **labels: str
) -> ClaimsHome:
    """The year's counts and the last month's chart of claims or applications (same state
    codes: approved, rejected and returned are 已审核, pending is 待审核)."""
    counts = scope.filter(credit_year=year).aggregate(
        total=Count("pk"),
        reviewed=Count("pk", filter=Q(status__in=REVIEWED_STATES)),
        pending=Count("pk", filter=Q(status=DeclarationStatus.PENDING)),
    )
    first_day = today - datetime.timedelta(days=CHART_DAYS - 1)
    per_day = dict(
        scope.filter(submitted_at__date__gte=first_day, submitted_at__date__lte=today)
        .annotate(day=TruncDate("submitted_at"))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("day", "n")
    )
    days = [first_day + datetime.timedelta(days=offset) for offset in range(CHART_DAYS)]
    chart: dict[str, list[Any]] = {
        "labels": [f"{day.month}月{day.day}日" for day in days],
        "submitted": [per_day.get(day, 0) for day in days],
    }
    return ClaimsHome(
        year=year,
        total=counts["total"],
        reviewed=counts["reviewed"],
        pending=counts["pending"],
        in_queue=in_queue,
        chart=chart,
        **labels,
    )


REVIEWED_STATES = (
    DeclarationStatus.APPROVED,
    DeclarationStatus.REJECTED,
    DeclarationStatus.RETURNED,
)
