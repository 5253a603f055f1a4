"""Writes on yearly training plans: create, add or remove a training, file with 人社 (备案)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from xueshi.accounts.models import RoleAssignment
from xueshi.core.audit import audit_record
from xueshi.orgs.models import Organization

from .models import PlannedTraining, PlanStatus, TrainingPlan
from .selectors import OWNER_KINDS, organizer_choices, plan_categories, version_of

FILED_LOCKED = "该计划已报人社部门备案，不能再修改。"


def _owner(role: RoleAssignment) -> Organization:
    if role.kind not in OWNER_KINDS or role.organization is None:
        raise PermissionDenied("只有主管部门或用人单位管理员可以编制年度培训计划。")
    return role.organization


def _locked(pk: int) -> TrainingPlan:
    return TrainingPlan.objects.select_for_update().select_related("organization").get(pk=pk)


@transaction.atomic
def plan_create(
    *, role: RoleAssignment, year: int, actor: Any, request: HttpRequest | None = None
) -> TrainingPlan:
    organization = _owner(role)
    if not plan_categories(version_of(organization)):
        raise PermissionDenied("本地区的学时认定细则没有需列入年度培训计划的学习形式。")
    this_year = timezone.localdate().year
    if year not in (this_year, this_year + 1):
        raise ValidationError({"year": [f"计划年度只能选择 {this_year} 或 {this_year + 1}。"]})
    try:
        with transaction.atomic():
            plan = TrainingPlan.objects.create(organization=organization, year=year)
    except IntegrityError:
        raise ValidationError({"year": [f"{year} 年度的培训计划已存在。"]}) from None
    audit_record(action="plan.create", actor=actor, role=role.kind, request=request, target=plan)
    return plan


@dataclass(frozen=True)
class TrainingInput:
    category_code: str
    title: str
    organizer_id: int
    start_date: datetime.date
    end_date: datetime.date
    hours: Decimal


@transaction.atomic
def training_add(
    *,
    plan: TrainingPlan,
    data: TrainingInput,
    role: RoleAssignment,
    actor: Any,
    request: HttpRequest | None = None,
) -> PlannedTraining:
    organization = _owner(role)
    plan = _locked(plan.pk)
    if plan.organization_id != organization.pk:
        raise PermissionDenied("只能修改本机构的培训计划。")
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(FILED_LOCKED)
    errors: dict[str, list[str]] = {}
    rules = {code: rule for code, _name, rule in plan_categories(version_of(plan.organization))}
    rule = rules.get(data.category_code)
    if rule is None:
        errors["category_code"] = ["请选择有效的学习形式。"]
    organizer = organizer_choices(plan).filter(pk=data.organizer_id).first()
    if organizer is None:
        errors["organizer"] = ["请选择本机构或其下属单位作为组织单位。"]
    elif rule is not None and organizer.kind != rule.organizer:
        wanted = "主管部门" if rule.organizer == "supervisor" else "用人单位"
        errors["organizer"] = [f"该学习形式的培训须由{wanted}组织。"]
    if data.end_date < data.start_date:
        errors["end_date"] = ["结束时间不能早于开始时间。"]
    if data.start_date.year != plan.year:
        errors["start_date"] = [f"培训应在计划年度（{plan.year} 年）内开始。"]
    if data.hours <= 0:
        errors["hours"] = ["计划学时应大于 0。"]
    if errors or organizer is None:
        raise ValidationError(errors)
    training = PlannedTraining.objects.create(
        plan=plan,
        category_code=data.category_code,
        title=data.title.strip(),
        organizer=organizer,
        start_date=data.start_date,
        end_date=data.end_date,
        hours=data.hours,
    )
    audit_record(
        action="plan.training_add", actor=actor, role=role.kind, request=request, target=training
    )
    return training


@transaction.atomic
def training_delete(
    *,
    training: PlannedTraining,
    role: RoleAssignment,
    actor: Any,
    request: HttpRequest | None = None,
) -> None:
    organization = _owner(role)
    plan = _locked(training.plan_id)
    if plan.organization_id != organization.pk:
        raise PermissionDenied("只能修改本机构的培训计划。")
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(FILED_LOCKED)
    audit_record(
        action="plan.training_delete",
        actor=actor,
        role=role.kind,
        request=request,
        target=training,
        details={"title": training.title},
    )
    training.delete()


@transaction.atomic
def plan_file(
    *, plan: TrainingPlan, role: RoleAssignment, actor: Any, request: HttpRequest | None = None
) -> TrainingPlan:
    """报人社部门备案: the plan is locked and its trainings may be declared from now on."""
    organization = _owner(role)
    plan = _locked(plan.pk)
    if plan.organization_id != organization.pk:
        raise PermissionDenied("只能为本机构的培训计划备案。")
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError("该计划已报人社部门备案。")
    if not plan.trainings.exists():
        raise ValidationError("计划中还没有培训项目，请先添加后再报人社部门备案。")
    plan.status = PlanStatus.FILED
    plan.filed_at = timezone.now()
    plan.filed_by = actor
    plan.save(update_fields=["status", "filed_at", "filed_by"])
    audit_record(
        action="plan.file",
        actor=actor,
        role=role.kind,
        request=request,
        target=plan,
        from_state=PlanStatus.DRAFT,
        to_state=PlanStatus.FILED,
    )
    return plan
