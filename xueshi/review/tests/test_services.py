import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from xueshi.declarations.models import DeclarationStatus
from xueshi.declarations.services import AlreadyHandled, DeclarationInput, declaration_save
from xueshi.review.models import TrailAction, TrailEntry
from xueshi.review.services import (
    declaration_approve,
    declaration_delete,
    declaration_reject,
    declaration_return,
    declaration_submit,
    declaration_withdraw,
)

THIS_YEAR = timezone.localdate().year


def anyang_degree(demo, name="李明", courses=12):
    role = demo.professional(name)
    return declaration_save(
        person=demo.person(name),
        data=DeclarationInput(
            category_code="degree_education",
            level_code="course_passed",
            fields={"credit_year": THIS_YEAR, "description": "参加学位教育", "quantity": courses},
        ),
        actor=role.user,
        role=role,
    )


def test_anyang_degree_education_through_three_levels(demo):
    declaration = anyang_degree(demo)
    assert declaration.hours_claimed == Decimal(180)
    assert "15 学时/门 × 12 门 = 180 学时" in declaration.hours_explanation
    role = demo.professional("李明")
    declaration = declaration_submit(declaration_id=declaration.pk, actor=role.user, role=role)
    steps = [step.organization.name for step in declaration.chain_steps.order_by("position")]
    assert steps == ["安阳市人民医院", "安阳市卫生健康委员会", "安阳市专业技术人员继续教育协会"]
    for username in ("ay_yiyuan", "ay_weijian", "ay_xiehui"):
        reviewer = demo.role(username)
        declaration = declaration_approve(
            declaration_id=declaration.pk, actor=reviewer.user, role=reviewer
        )
    assert declaration.status == DeclarationStatus.APPROVED
    assert declaration.hours_granted == Decimal(180)
    actions = list(
        TrailEntry.objects.filter(declaration=declaration).values_list("action", "level_name")
    )
    assert actions == [
        (TrailAction.SUBMIT, "单位审核"),
        (TrailAction.APPROVE, "单位审核"),
        (TrailAction.APPROVE, "管理单位审核"),
        (TrailAction.APPROVE, "协会审核"),
    ]


def test_anyang_unit_without_managing_unit_goes_straight_to_association(demo):
    declaration = anyang_degree(demo, name="王芳", courses=2)
    role = demo.professional("王芳")
    declaration = declaration_submit(declaration_id=declaration.pk, actor=role.user, role=role)
    steps = [step.level_name for step in declaration.chain_steps.order_by("position")]
    assert steps == ["单位审核", "协会审核"]


def test_reviewer_out_of_turn_is_refused_and_second_approval_is_already_handled(demo):
    declaration = anyang_degree(demo)
    role = demo.professional("李明")
    declaration_submit(declaration_id=declaration.pk, actor=role.user, role=role)
    supervisor = demo.role("ay_weijian")
    with pytest.raises(AlreadyHandled):
        declaration_approve(declaration_id=declaration.pk, actor=supervisor.user, role=supervisor)
    unit = demo.role("ay_yiyuan")
    declaration_approve(
        declaration_id=declaration.pk, actor=unit.user, role=unit, expected_position=0
    )
    with pytest.raises(AlreadyHandled):
        declaration_approve(
            declaration_id=declaration.pk, actor=unit.user, role=unit, expected_position=0
        )
    assert (
        TrailEntry.objects.filter(declaration=declaration, action=TrailAction.APPROVE).count() == 1
    )
    other = demo.role("gx_gxu")
    with pytest.raises(PermissionDenied):
        declaration_approve(declaration_id=declaration.pk, actor=other.user, role=other)


def test_withdraw_only_before_anyone_acted(demo):
    declaration = anyang_degree(demo)
    role = demo.professional("李明")
    declaration_submit(declaration_id=declaration.pk, actor=role.user, role=role)
    declaration = declaration_withdraw(declaration_id=declaration.pk, actor=role.user, role=role)
    assert declaration.status == DeclarationStatus.DRAFT
    declaration_submit(declaration_id=declaration.pk, actor=role.user, role=role)
    unit = demo.role("ay_yiyuan")
    declaration_approve(declaration_id=declaration.pk, actor=unit.user, role=unit)
    with pytest.raises(AlreadyHandled, match="不能撤回"):
        declaration_withdraw(declaration_id=declaration.pk, actor=role.user, role=role)


def test_return_and_reject_need_a_reason_and_return_allows_resubmission(
    demo, django_capture_on_commit_callbacks
):
    declaration = anyang_degree(demo)
    role = demo.professional("李明")
    declaration_submit(declaration_id=declaration.pk, actor=role.user, role=role)
    unit = demo.role("ay_yiyuan")
    with pytest.raises(ValidationError):
        declaration_return(declaration_id=declaration.pk, actor=unit.user, role=unit, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        declaration = declaration_return(
            declaration_id=declaration.pk, actor=unit.user, role=unit, reason="请补充成绩单"
        )
    assert declaration.status == DeclarationStatus.RETURNED
    assert demo.person("李明").user.notifications.filter(message__contains="请补充成绩单").exists()
    declaration = declaration_submit(declaration_id=declaration.pk, actor=role.user, role=role)
    with pytest.raises(ValidationError):
        declaration_reject(declaration_id=declaration.pk, actor=unit.user, role=unit, reason="")
    # Anyang has no final 不予认定 (its seed: 审核 or 退回 only): see test_outcomes.py.
    with pytest.raises(ValidationError, match="不能作出“不予认定”"):
        declaration_reject(
            declaration_id=declaration.pk, actor=unit.user, role=unit, reason="与专业无关"
        )
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.PENDING


def test_lowering_hours_needs_a_reason_and_keeps_hours_claimed(demo):
    declaration = anyang_degree(demo)
    role = demo.professional("李明")
    declaration_submit(declaration_id=declaration.pk, actor=role.user, role=role)
    unit = demo.role("ay_yiyuan")
    with pytest.raises(ValidationError):
        declaration_approve(
            declaration_id=declaration.pk, actor=unit.user, role=unit, hours_granted=Decimal(150)
        )
    with pytest.raises(ValidationError):
        declaration_approve(
            declaration_id=declaration.pk,
            actor=unit.user,
            role=unit,
            hours_granted=Decimal(200),
            comment="多给",
        )
    declaration = declaration_approve(
        declaration_id=declaration.pk,
        actor=unit.user,
        role=unit,
        hours_granted=Decimal(150),
        comment="两门课程不在本年度",
    )
    assert declaration.hours_claimed == Decimal(180)
    assert declaration.hours_granted == Decimal(150)


def test_guangxi_dates_fill_forty_hours_and_pledge_is_required(demo):
    role = demo.professional("覃海燕")
    data = DeclarationInput(
        category_code="training_course",
        level_code="by_dates",
        fields={
            "title": "教学能力提升培训班",
            "start_date": datetime.date(THIS_YEAR, 5, 4),
            "end_date": datetime.date(THIS_YEAR, 5, 8),
            "description": "自治区教育厅主办",
            "credit_year": THIS_YEAR,
        },
    )
    with pytest.raises(ValidationError) as error:
        declaration_save(person=demo.person("覃海燕"), data=data, actor=role.user, role=role)
    assert "pledge" in error.value.message_dict
    declaration = declaration_save(
        person=demo.person("覃海燕"),
        data=DeclarationInput(data.category_code, data.level_code, data.fields, pledge=True),
        actor=role.user,
        role=role,
    )
    assert declaration.hours_claimed == Decimal(40)


def test_outside_the_units_window_a_person_cannot_declare(demo):
    """Guangxi units open declaring themselves (学时登记开放); none is open for 广西大学 yet."""
    from xueshi.orgs.models import DeclaringWindow

    role = demo.professional("覃海燕")
    data = DeclarationInput(
        "training_course",
        "by_dates",
        {
            "title": "培训",
            "start_date": datetime.date(THIS_YEAR, 5, 4),
            "end_date": datetime.date(THIS_YEAR, 5, 8),
            "description": "说明",
            "credit_year": THIS_YEAR,
        },
        pledge=True,
    )
    person = demo.person("覃海燕")
    DeclaringWindow.objects.filter(unit=person.unit).delete()
    with pytest.raises(ValidationError, match="尚未开放"):
        declaration_save(person=person, data=data, actor=role.user, role=role)
    today = timezone.localdate()
    DeclaringWindow.objects.create(
        unit=person.unit,
        credit_year=THIS_YEAR,
        opens_on=today - datetime.timedelta(days=1),
        closes_on=today + datetime.timedelta(days=30),
        created_by=role.user,
    )
    assert declaration_save(person=person, data=data, actor=role.user, role=role).pk


def test_yearly_cap_counts_hours_already_granted(demo, settings, tmp_path):
    """With a 120-hour cap on degree education, a second claim gets only what is left."""
    import shutil

    import yaml

    from xueshi.policy.loader import profiles_dir, reload_profiles

    for path in profiles_dir().glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    data = yaml.safe_load((tmp_path / "anyang.yaml").read_text(encoding="utf-8"))
    for category in data["versions"][-1]["categories"]:
        if category["code"] == "degree_education":
            category["yearly_cap_hours"] = 120
    (tmp_path / "anyang.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    original = profiles_dir()
    settings.POLICY_PROFILES_DIR = tmp_path
    reload_profiles()
    try:
        first = anyang_degree(demo, courses=6)  # 90
        role = demo.professional("李明")
        declaration_submit(declaration_id=first.pk, actor=role.user, role=role)
        for username in ("ay_yiyuan", "ay_weijian", "ay_xiehui"):
            reviewer = demo.role(username)
            declaration_approve(declaration_id=first.pk, actor=reviewer.user, role=reviewer)
        second = anyang_degree(demo, courses=6)  # 90 asked, 30 left under the cap
        assert second.hours_claimed == Decimal(30)
        assert "年度上限 120" in second.hours_explanation
    finally:
        settings.POLICY_PROFILES_DIR = original
        reload_profiles()


def test_a_claim_goes_straight_only_to_a_supervisor_of_its_own_region(demo):
    """Guangxi allows 提交至主管部门审核, but only to Guangxi's supervisors."""
    role = demo.professional("覃海燕")
    declaration = declaration_save(
        person=demo.person("覃海燕"),
        data=DeclarationInput(
            "academic_conference",
            "by_dates",
            {
                "title": "学术会议",
                "start_date": datetime.date(THIS_YEAR, 6, 1),
                "end_date": datetime.date(THIS_YEAR, 6, 2),
                "description": "宣读论文",
                "credit_year": THIS_YEAR,
            },
            pledge=True,
        ),
        actor=role.user,
        role=role,
    )
    henan = demo.organization("河南省教育厅")
    with pytest.raises(ValidationError, match="本地区的主管部门"):
        declaration_submit(
            declaration_id=declaration.pk, actor=role.user, role=role, direct_supervisor=henan
        )
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.DRAFT
    guangxi = demo.organization("南宁市教育局")
    declaration = declaration_submit(
        declaration_id=declaration.pk, actor=role.user, role=role, direct_supervisor=guangxi
    )
    assert [step.organization for step in declaration.chain_steps.all()] == [guangxi]


def test_a_department_admin_is_not_the_declarant_of_another_departments_claim(demo):
    from xueshi.declarations.permissions import is_declarant

    unit = demo.role("gx_gxu")
    person = demo.person("蒙丽")  # 财务处
    declaration = declaration_save(
        person=person,
        data=DeclarationInput(
            "training_course",
            "by_dates",
            {
                "title": "财务培训",
                "start_date": datetime.date(THIS_YEAR, 3, 2),
                "end_date": datetime.date(THIS_YEAR, 3, 3),
                "description": "说明",
                "credit_year": THIS_YEAR,
            },
        ),
        actor=unit.user,
        role=unit,
    )
    huang = demo.person("黄伟")
    department_admin = demo.role(huang.user.username, "department_admin")
    assert is_declarant(declaration, unit)
    assert not is_declarant(declaration, department_admin)
    with pytest.raises(PermissionDenied):
        declaration_delete(declaration_id=declaration.pk, actor=huang.user, role=department_admin)


@pytest.mark.parametrize("username", ["ay_xiehui", "ay_weijian", "gx_jyt", "gx_rst", "ay_yiyuan"])
def test_the_aggregation_scope_holds_the_same_claims_as_the_list_scope(demo, username):
    """Statistics use an id set instead of OR/EXISTS; it must select exactly the same claims."""
    from xueshi.declarations.permissions import (
        declarations_in_scope,
        declarations_in_scope_for_aggregation,
    )

    for name in ("李明", "王芳"):
        declaration = anyang_degree(demo, name=name, courses=2)
        role = demo.professional(name)
        declaration_submit(declaration_id=declaration.pk, actor=role.user, role=role)
    guangxi = demo.professional("覃海燕")
    sent_direct = declaration_save(
        person=demo.person("覃海燕"),
        data=DeclarationInput(
            "academic_conference",
            "by_dates",
            {
                "title": "学术会议",
                "start_date": datetime.date(THIS_YEAR, 6, 1),
                "end_date": datetime.date(THIS_YEAR, 6, 2),
                "description": "宣读论文",
                "credit_year": THIS_YEAR,
            },
            pledge=True,
        ),
        actor=guangxi.user,
        role=guangxi,
    )
    declaration_submit(
        declaration_id=sent_direct.pk,
        actor=guangxi.user,
        role=guangxi,
        direct_supervisor=demo.organization("广西壮族自治区教育厅"),
    )
    role = demo.role(username)
    listed = set(declarations_in_scope(role).values_list("pk", flat=True))
    counted = set(declarations_in_scope_for_aggregation(role).values_list("pk", flat=True))
    assert counted == listed
    assert listed  # every one of these roles sees at least one of the claims
