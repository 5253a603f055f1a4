"""Henan forms 13 and 14 (issue 13 item 9), seed 001: "行业主管部门组织的专业技术人员专业科目培训
— 培训项目列入年度计划，并报人社部门备案"; "用人单位组织的本单位专业技术人员专业科目培训 —
培训项目纳入主管部门年度培训计划，并报人社部门备案"."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from xueshi.accounts.permissions import role_may
from xueshi.core.models import AuditLog
from xueshi.declarations.models import DeclarationStatus
from xueshi.declarations.services import DeclarationInput, attachment_add, declaration_save
from xueshi.orgs.tests.factories import act_as
from xueshi.plans import views
from xueshi.plans.models import PlanStatus, TrainingPlan
from xueshi.plans.services import TrainingInput, plan_create, plan_file, training_add
from xueshi.policy.loader import profiles_dir
from xueshi.policy.schema import PolicyProfile, semantic_issues
from xueshi.review.services import declaration_submit
from xueshi.review.tests.test_declarations_views import PNG

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def supervisor_plan(demo: Any, *, file: bool = True, titles: tuple[str, ...] = ()) -> TrainingPlan:
    """河南省教育厅's plan: its own training (form 13) and 郑州大学's (form 14)."""
    role = demo.role("ha_jyt")
    plan = plan_create(role=role, year=YEAR, actor=role.user)
    education = demo.organization("河南省教育厅")
    university = demo.organization("郑州大学")
    rows = [
        ("supervisor_training", "全省高校教师数字化教学能力培训", education, 24),
        ("employer_training", "郑州大学新入职教师岗前培训", university, 32),
    ] + [("supervisor_training", title, education, 8) for title in titles]
    for code, title, organizer, hours in rows:
        training_add(
            plan=plan,
            data=TrainingInput(
                code,
                title,
                organizer.pk,
                datetime.date(YEAR, 3, 2),
                datetime.date(YEAR, 3, 4),
                Decimal(hours),
            ),
            role=role,
            actor=role.user,
        )
    if file:
        plan = plan_file(plan=plan, role=role, actor=role.user)
    return plan


def claim(demo: Any, code: str, training_id: Any) -> Any:
    role = demo.professional("赵磊")
    return declaration_save(
        person=demo.person("赵磊"),
        data=DeclarationInput(
            code,
            "per_notice",
            {"credit_year": YEAR, "planned_training": training_id, "hours_claimed": 24},
        ),
        actor=role.user,
        role=role,
    )


def test_the_profile_ties_forms_13_and_14_to_a_plan():
    data = yaml.safe_load((profiles_dir() / "henan.yaml").read_text(encoding="utf-8"))
    categories = {c["code"]: c for c in data["versions"][0]["categories"]}
    assert categories["supervisor_training"]["training_plan"] == {"organizer": "supervisor"}
    assert categories["employer_training"]["training_plan"] == {"organizer": "unit"}
    # check_profiles refuses a plan category whose form does not ask for the training.
    categories["employer_training"]["fields"] = ["credit_year", "title", "hours_claimed"]
    issues = dict(semantic_issues(PolicyProfile.model_validate(data)))
    assert any("planned_training" in reason for reason in issues.values())


def test_a_claim_refers_to_a_training_of_a_filed_plan(demo):
    """ "培训项目列入年度计划，并报人社部门备案": its name, organiser and dates are the plan's."""
    plan = supervisor_plan(demo)
    training = plan.trainings.get(category_code="supervisor_training")
    saved = claim(demo, "supervisor_training", training.pk)
    assert saved.planned_training == training
    assert saved.title == "全省高校教师数字化教学能力培训"
    assert saved.extra["organizer"] == "河南省教育厅"
    assert (saved.start_date, saved.end_date) == (training.start_date, training.end_date)
    role = demo.professional("赵磊")
    attachment_add(
        declaration=saved, upload=SimpleUploadedFile("通知.png", PNG), actor=role.user, role=role
    )
    sent = declaration_submit(declaration_id=saved.pk, actor=role.user, role=role)
    assert sent.status == DeclarationStatus.PENDING


def test_form_14_takes_only_the_persons_own_units_training(demo):
    """ "用人单位组织的本单位…培训": 14 offers 郑州大学's training, not the department's."""
    plan = supervisor_plan(demo)
    own = plan.trainings.get(category_code="employer_training")
    departments = plan.trainings.get(category_code="supervisor_training")
    assert claim(demo, "employer_training", own.pk).planned_training == own
    with pytest.raises(ValidationError, match="已报人社部门备案的年度培训计划"):
        claim(demo, "employer_training", departments.pk)


def test_an_unfiled_plan_offers_nothing(demo):
    plan = supervisor_plan(demo, file=False)
    training = plan.trainings.get(category_code="supervisor_training")
    with pytest.raises(ValidationError, match="已报人社部门备案的年度培训计划"):
        claim(demo, "supervisor_training", training.pk)
    with pytest.raises(ValidationError, match="请选择年度计划培训项目"):
        claim(demo, "supervisor_training", "")


def test_a_filed_plan_is_locked_and_audited(demo):
    plan = supervisor_plan(demo)
    assert plan.status == PlanStatus.FILED and plan.filed_at is not None
    assert AuditLog.objects.filter(action="plan.file").count() == 1
    role = demo.role("ha_jyt")
    with pytest.raises(ValidationError, match="已报人社部门备案"):
        training_add(
            plan=plan,
            data=TrainingInput(
                "supervisor_training",
                "补充培训",
                plan.organization_id,
                datetime.date(YEAR, 5, 1),
                datetime.date(YEAR, 5, 1),
                Decimal(4),
            ),
            role=role,
            actor=role.user,
        )


def test_organizer_must_fit_the_form(demo):
    role = demo.role("ha_jyt")
    plan = plan_create(role=role, year=YEAR, actor=role.user)
    with pytest.raises(ValidationError) as refused:
        training_add(
            plan=plan,
            data=TrainingInput(
                "employer_training",
                "由主管部门组织的培训",
                plan.organization_id,
                datetime.date(YEAR, 5, 1),
                datetime.date(YEAR, 5, 2),
                Decimal(8),
            ),
            role=role,
            actor=role.user,
        )
    assert "该学习形式的培训须由用人单位组织。" in refused.value.message_dict["organizer"]


def test_the_claim_form_offers_the_plans_trainings(client, demo):
    supervisor_plan(demo)
    act_as(client, demo.professional("赵磊"))
    fields = client.get(
        reverse("declarations:fields"),
        {
            "profile_key": "henan",
            "profile_version": "2014-01-01",
            "category": "supervisor_training",
        },
    ).content.decode()
    assert "全省高校教师数字化教学能力培训（河南省教育厅" in fields
    assert "郑州大学新入职教师岗前培训" not in fields
    empty = client.get(
        reverse("declarations:fields"),
        {"profile_key": "henan", "profile_version": "2014-01-01", "category": "employer_training"},
    ).content.decode()
    assert "郑州大学新入职教师岗前培训" in empty


def test_plan_pages_for_the_department_and_for_renshe(client, demo):
    plan = supervisor_plan(demo)
    act_as(client, demo.role("ha_jyt"))
    page = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert "已报人社部门备案" in page and "全省高校教师数字化教学能力培训" in page
    act_as(client, demo.role("ha_rst"))
    assert client.get(reverse("plans:list")).content.decode().count("河南省教育厅") >= 1
    assert client.get(reverse("plans:detail", args=[plan.pk])).status_code == 200
    # 人社 reads, it does not edit.
    assert client.post(reverse("plans:file", args=[plan.pk])).status_code in (302, 403)


def test_plan_page_other_region_is_404_and_menu_follows_the_profile(client, demo):
    plan = supervisor_plan(demo)
    assert role_may(demo.role("ha_jyt"), "plans.view")
    assert not role_may(demo.role("ay_weijian"), "plans.view")  # Anyang has no such forms
    act_as(client, demo.role("ha_zzu"))  # a unit sees its own plans, not the department's
    assert client.get(reverse("plans:detail", args=[plan.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        plan_file(plan=plan, role=demo.role("ha_zzu"), actor=demo.role("ha_zzu").user)


def test_plan_page_queries_do_not_grow_with_trainings(client, demo, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 100)
    few = supervisor_plan(demo, file=False)
    act_as(client, demo.role("ha_jyt"))

    def count(plan: TrainingPlan) -> int:
        with CaptureQueriesContext(connection) as context:
            response = client.get(reverse("plans:detail", args=[plan.pk]))
        assert response.status_code == 200
        return len(context.captured_queries)

    small = count(few)
    few.trainings.all().delete()
    few.delete()
    many = supervisor_plan(demo, file=False, titles=tuple(f"专题培训{n}" for n in range(25)))
    assert count(many) == small
