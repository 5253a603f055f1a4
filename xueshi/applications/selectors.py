"""Reads of yearly applications: who sees which, the reviewers' queue, the lists' filters,
where a reviewer may forward an application (选择提交单位)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from xueshi.accounts.models import RoleAssignment, RoleKind, id_number_q
from xueshi.orgs.models import Organization, OrganizationKind, OrganizationStatus
from xueshi.policy.resolver import try_resolve_version
from xueshi.review.permissions import REVIEWER_ROLES

from .models import Application, ApplicationStatus, ApplicationStep, ApplicationTrail


def _base() -> QuerySet[Application]:
    return Application.objects.select_related("person", "unit", "certifier")


def applications_in_scope(role: RoleAssignment | None) -> QuerySet[Application]:
    """The person's own; for an organisation, the applications of its subtree and those routed
    to it (another unit's are out of scope: a 404); drafts stay the person's alone."""
    applications = _base()
    if role is None:
        return applications.none()
    if role.kind == RoleKind.PROFESSIONAL:
        return applications.filter(person__user_id=role.user_id)
    if role.kind == RoleKind.PLATFORM_ADMIN:
        return applications.exclude(status=ApplicationStatus.DRAFT)
    organization = role.organization
    if organization is None:
        return applications.none()
    submitted = applications.exclude(status=ApplicationStatus.DRAFT)
    if role.kind == RoleKind.DEPARTMENT_ADMIN:
        return submitted.filter(unit=organization, person__department=role.department)
    if role.kind == RoleKind.UNIT_ADMIN:
        return submitted.filter(unit=organization)
    if role.kind in (RoleKind.SUPERVISOR_ADMIN, RoleKind.AUTHORITY_ADMIN):
        routed = ApplicationStep.objects.filter(
            application=OuterRef("pk"), organization=organization
        )
        return submitted.filter(Q(unit__path__startswith=organization.path) | Exists(routed))
    return applications.none()


def review_queue(role: RoleAssignment | None) -> QuerySet[Application]:
    """申请书审核: pending applications whose current step this role fills."""
    if role is None or role.organization is None:
        return Application.objects.none()
    organization = role.organization
    if role.kind not in REVIEWER_ROLES.get(organization.kind, ()):
        return Application.objects.none()
    at_step = ApplicationStep.objects.filter(
        application=OuterRef("pk"), position=OuterRef("current_position"), organization=organization
    )
    queue = _base().filter(Exists(at_step), status=ApplicationStatus.PENDING)
    if role.kind == RoleKind.DEPARTMENT_ADMIN:
        queue = queue.filter(person__department=role.department)
    return queue.order_by("submitted_at", "id")


@dataclass(frozen=True)
class ListFilters:
    """The lists' search: 认定年度 (default this year), 姓名, 身份证号, 状态."""

    credit_year: int | None
    name: str = ""
    id_number: str = ""
    status: str = ""


def filter_applications(
    applications: QuerySet[Application], filters: ListFilters
) -> QuerySet[Application]:
    if filters.credit_year:
        applications = applications.filter(credit_year=filters.credit_year)
    if filters.name:
        applications = applications.filter(person__name__contains=filters.name)
    if filters.id_number:
        applications = applications.filter(id_number_q(filters.id_number, "person__"))
    if filters.status in ApplicationStatus.values:
        applications = applications.filter(status=filters.status)
    return applications


def forward_options(application: Application, step: ApplicationStep) -> list[Organization]:
    """选择提交单位: what the profile's `forwarding` lets the organisation of `step` send to: a
    supervisor above it (not already in the chain) and/or the certifier the person chose."""
    version = try_resolve_version(application.policy_profile, application.profile_version)
    organization = step.organization
    if version is None or organization.kind not in ("unit", "supervisor"):
        return []
    forwarding = {str(kind): list(to) for kind, to in version.yearly_application.forwarding.items()}
    targets = forwarding.get(organization.kind, [])
    options: list[Organization] = []
    in_chain = set(
        ApplicationStep.objects.filter(application=application).values_list(
            "organization_id", flat=True
        )
    )
    if "supervisor" in targets:
        supervisors = organization.ancestors().filter(
            kind=OrganizationKind.SUPERVISOR, status=OrganizationStatus.ACTIVE
        )
        options += sorted(
            (
                org
                for org in supervisors
                if org.pk not in in_chain and org.pk != application.certifier_id
            ),
            key=lambda org: -len(org.path),
        )
    if "certifier" in targets and application.certifier is not None:
        options.append(application.certifier)
    return options


@dataclass(frozen=True)
class YearCounts:
    """2023年度申请书统计 as the seed's unit home shows it: 全部申报数, 全部已审核数, 待审核数."""

    year: int
    total: int
    reviewed: int
    waiting: int


def year_counts(role: RoleAssignment, year: int) -> YearCounts:
    """The organisation's applications of `year` (3 queries, whatever the number of rows)."""
    scope = applications_in_scope(role).filter(credit_year=year)
    acted = ApplicationTrail.objects.filter(
        application=OuterRef("pk"),
        organization=role.organization,
        action__in=("approve", "return"),
    )
    return YearCounts(
        year,
        scope.count(),
        scope.filter(Exists(acted)).count(),
        review_queue(role).filter(credit_year=year).count(),
    )
