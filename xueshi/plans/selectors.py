"""Reads on yearly training plans: a role's plans, and the trainings a claim may refer to."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, QuerySet
from django.http import Http404

from xueshi.accounts.models import RoleAssignment, RoleKind
from xueshi.orgs.models import Organization, OrganizationKind, OrganizationStatus
from xueshi.policy.resolver import try_resolve_version
from xueshi.policy.schema import ProfileVersion, TrainingPlanRule

from .models import PlannedTraining, PlanStatus, TrainingPlan

OWNER_KINDS = (RoleKind.SUPERVISOR_ADMIN, RoleKind.UNIT_ADMIN)


def plans_in_scope(role: RoleAssignment | None) -> QuerySet[TrainingPlan]:
    """A supervising department's or unit's own plans; for 人社 (an authority) the plans filed
    with it, i.e. the filed plans beneath it. Each with its number of trainings."""
    plans = (
        TrainingPlan.objects.select_related("organization")
        .annotate(training_count=Count("trainings"))
        .order_by("-year", "organization__name", "id")
    )
    if role is None or role.organization is None:
        return plans.none()
    if role.kind in OWNER_KINDS:
        return plans.filter(organization=role.organization)
    if role.kind == RoleKind.AUTHORITY_ADMIN:
        return plans.filter(
            organization__path__startswith=role.organization.path, status=PlanStatus.FILED
        )
    return plans.none()


def plan_for(role: RoleAssignment | None, pk: int) -> TrainingPlan:
    try:
        return plans_in_scope(role).get(pk=pk)
    except TrainingPlan.DoesNotExist:
        raise Http404("没有该培训计划。") from None


def may_edit(role: RoleAssignment | None, plan: TrainingPlan) -> bool:
    return (
        role is not None
        and role.kind in OWNER_KINDS
        and role.organization_id == plan.organization_id
        and plan.status == PlanStatus.DRAFT
    )


def trainings_of(plan: TrainingPlan) -> QuerySet[PlannedTraining]:
    return plan.trainings.select_related("organizer").order_by("start_date", "id")


def plan_categories(version: ProfileVersion | None) -> list[tuple[str, str, TrainingPlanRule]]:
    """(code, name, rule) of the categories whose claims refer to a plan's training."""
    if version is None:
        return []
    return [
        (leaf.code, leaf.full_name, leaf.category.training_plan)
        for leaf in version.leaf_categories()
        if leaf.category.training_plan is not None
    ]


def version_of(organization: Organization | None) -> ProfileVersion | None:
    """The newest rules of the organisation's region (a plan is for the year ahead)."""
    key = organization.effective_policy_profile() if organization is not None else ""
    if not key:
        return None
    return try_resolve_version(key)


def organizer_choices(plan: TrainingPlan) -> QuerySet[Organization]:
    """Who may organise a training of the plan: its own organisation, and for a supervising
    department its active units (form 14: the unit's training in the department's plan)."""
    organization = plan.organization
    if organization.kind == OrganizationKind.SUPERVISOR:
        return Organization.objects.filter(
            path__startswith=organization.path, status=OrganizationStatus.ACTIVE
        ).exclude(kind__in=(OrganizationKind.TRAINING_BASE, OrganizationKind.AUTHORITY))
    return Organization.objects.filter(pk=organization.pk)


def _line_ids(unit: Organization) -> list[int]:
    return [int(part) for part in unit.path.strip("/").split("/") if part]


def trainings_offered(
    unit: Organization | None,
    category_code: str,
    rule: TrainingPlanRule,
    years: Iterable[int],
) -> QuerySet[PlannedTraining]:
    """The trainings a person of `unit` may declare in the category: in a filed plan of those
    years held by the unit or an organisation above it, organised by a supervising department
    of that line (form 13) or by the unit itself (form 14)."""
    if unit is None:
        return PlannedTraining.objects.none()
    line = _line_ids(unit)
    trainings = PlannedTraining.objects.filter(
        plan__status=PlanStatus.FILED,
        plan__year__in=list(years),
        plan__organization_id__in=line,
        category_code=category_code,
    )
    if rule.organizer == "unit":
        trainings = trainings.filter(organizer=unit)
    else:
        trainings = trainings.filter(
            organizer_id__in=line, organizer__kind=OrganizationKind.SUPERVISOR
        )
    return trainings.select_related("organizer", "plan").order_by("-plan__year", "start_date")
