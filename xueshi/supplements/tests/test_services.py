"""Issue 16 "Done when", on the services, with a fixed clock. Seed 003 (浙江建设) quoted:
"每年1月1日-20日对上一年度专技人员继续教育学时进行一次补登记"."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xueshi.accounts.models import RoleAssignment, RoleKind
from xueshi.core.models import AuditLog
from xueshi.declarations.models import DeclarationStatus
from xueshi.declarations.services import AlreadyHandled
from xueshi.ledger.selectors import year_compliance
from xueshi.notifications.models import Notification
from xueshi.review.lifecycle import OwnClaim
from xueshi.review.services import declaration_approve, declaration_submit
from xueshi.supplements.models import SupplementRequest, SupplementStatus, SupplementTrailEntry
from xueshi.supplements.rules import window_state
from xueshi.supplements.services import (
    supplement_request_agree,
    supplement_request_cancel,
    supplement_request_create,
    supplement_request_refuse,
    supplement_request_send,
)

from .factories import (
    AFTER_WINDOW,
    CLOSED_YEAR,
    IN_WINDOW,
    approve_all,
    approved_claim,
    draft,
)

pytestmark = pytest.mark.django_db


def request_for(demo, name="钱伟", category="training", today=IN_WINDOW):
    role = demo.professional(name)
    return supplement_request_create(
        person=demo.person(name), category_code=category, actor=role.user, role=role, today=today
    )


def send(demo, supplement, name="钱伟", today=IN_WINDOW):
    role = demo.professional(name)
    return supplement_request_send(
        request_id=supplement.pk, actor=role.user, role=role, today=today
    )


def enterprise(demo):
    return demo.role("zj_jiangong")


def test_on_5_january_a_request_for_the_previous_year_is_possible(demo):
    """Seed: "每年1月1日-20日对上一年度…进行一次补登记"; "增补申请提交申请成功后，增补申请状态
    显示为已申请" and after 提交申请 "增补申请状态为个人申请中"."""
    approved_claim(demo)
    supplement = request_for(demo)
    assert supplement.credit_year == CLOSED_YEAR
    assert supplement.status == SupplementStatus.DRAFT
    assert supplement.status_word == "已申请"
    supplement = send(demo, supplement)
    assert supplement.status == SupplementStatus.PENDING
    assert supplement.status_word == "个人申请中"
    step = supplement.steps.get()
    assert step.organization == demo.organization("浙江省建工集团有限责任公司")
    assert step.level_name == "企业审核"
    assert list(supplement.trail.values_list("action", flat=True)) == ["submit"]


def test_on_21_january_the_request_is_refused_with_the_window_dates(demo):
    approved_claim(demo)
    with pytest.raises(ValidationError) as refused:
        request_for(demo, today=AFTER_WINDOW)
    message = " ".join(refused.value.messages)
    assert "2027年1月1日至2027年1月20日" in message
    assert "2026年度" in message
    assert not SupplementRequest.objects.exists()
    assert not window_state(demo.person("钱伟"), AFTER_WINDOW).open
    assert window_state(demo.person("钱伟"), IN_WINDOW).open


def test_a_category_without_a_final_approved_claim_is_refused(demo):
    """Seed: "对已终审通过且需补充的学时抵扣类别…进行增补申请"."""
    approved_claim(demo, category="training")
    with pytest.raises(ValidationError) as refused:
        request_for(demo, category="research")
    assert "终审通过" in " ".join(refused.value.messages)


def test_a_pending_claim_is_not_enough(demo):
    declaration = draft(demo)
    role = demo.professional("钱伟")
    declaration_submit(declaration_id=declaration.pk, actor=role.user, role=role)
    with pytest.raises(ValidationError):
        request_for(demo)


def test_one_open_request_per_category(demo):
    approved_claim(demo)
    request_for(demo)
    with pytest.raises(AlreadyHandled):
        request_for(demo)


def test_cancel_before_the_enterprise_acts(demo):
    """Seed: "如误操作点击“增补申请”按钮且未上报增补信息，可在同页面点击“撤销增补”按钮"."""
    approved_claim(demo)
    role = demo.professional("钱伟")
    drafted = request_for(demo)
    supplement_request_cancel(request_id=drafted.pk, actor=role.user, role=role)
    assert not SupplementRequest.objects.filter(pk=drafted.pk).exists()
    sent = send(demo, request_for(demo))
    supplement_request_cancel(request_id=sent.pk, actor=role.user, role=role)
    assert not SupplementRequest.objects.filter(pk=sent.pk).exists()
    assert AuditLog.objects.filter(action="supplement.cancel").count() == 2


def test_cancel_after_the_enterprise_acted_is_refused(demo):
    approved_claim(demo)
    sent = send(demo, request_for(demo))
    unit = enterprise(demo)
    supplement_request_agree(request_id=sent.pk, actor=unit.user, role=unit)
    role = demo.professional("钱伟")
    with pytest.raises(AlreadyHandled) as refused:
        supplement_request_cancel(request_id=sent.pk, actor=role.user, role=role)
    assert "不能撤销" in " ".join(refused.value.messages)
    assert SupplementRequest.objects.get(pk=sent.pk).status == SupplementStatus.APPROVED


def test_only_the_person_cancels(demo):
    approved_claim(demo)
    sent = send(demo, request_for(demo))
    unit = enterprise(demo)
    with pytest.raises(PermissionDenied):
        supplement_request_cancel(request_id=sent.pk, actor=unit.user, role=unit)


def test_enterprise_refuses_then_the_person_cannot_add(demo, django_capture_on_commit_callbacks):
    """Seed: "在企业点击“拒绝增补”后，学员点“查看”按钮，明细列表的增补申请状态为不同意"."""
    approved_claim(demo)
    sent = send(demo, request_for(demo))
    unit = enterprise(demo)
    with pytest.raises(ValidationError):
        supplement_request_refuse(request_id=sent.pk, reason="  ", actor=unit.user, role=unit)
    with django_capture_on_commit_callbacks(execute=True):
        refused = supplement_request_refuse(
            request_id=sent.pk, reason="该培训已在2026年度登记", actor=unit.user, role=unit
        )
    assert refused.status == SupplementStatus.REJECTED
    assert refused.status_word == "不同意"
    assert refused.reason == "该培训已在2026年度登记"
    bell = Notification.objects.get(recipient=demo.person("钱伟").user)
    assert "拒绝增补" in bell.message and "该培训已在2026年度登记" in bell.message
    with pytest.raises(ValidationError) as refusal:
        draft(demo, title="补登记的培训", today=IN_WINDOW, supplement=True)
    assert "同意增补" in " ".join(refusal.value.messages)


def test_without_any_request_adding_to_the_closed_year_is_refused(demo):
    approved_claim(demo)
    with pytest.raises(ValidationError):
        draft(demo, title="补登记的培训", today=IN_WINDOW, supplement=True)
    # nor as an ordinary claim: the declaring window offers only the current year
    with pytest.raises(ValidationError) as refused:
        draft(demo, title="补登记的培训", today=IN_WINDOW)
    assert "2027" in " ".join(refused.value.messages)


def test_enterprise_agrees_person_adds_submits_chain_approves_2026_ledger_grows(demo):
    """Seed: "企业同意增补后，学员需新增信息后保存并提交上报，经过企业审核上报到省级，审核状态
    显示企业审核通过"; chain "学员发起增补→企业审核→学时办审核→省级备案"."""
    approved_claim(demo)
    person = demo.person("钱伟")
    before = year_compliance(person, CLOSED_YEAR).total_hours
    sent = send(demo, request_for(demo))
    unit = enterprise(demo)
    agreed = supplement_request_agree(request_id=sent.pk, actor=unit.user, role=unit)
    assert agreed.status_word == "同意"

    added = draft(demo, title="补登记的安全培训", hours="12", today=IN_WINDOW, supplement=True)
    assert added.is_supplement and added.credit_year == CLOSED_YEAR
    assert added.status_word == "个人保存"  # seed: "提交成功后审核状态显示为个人保存"
    role = demo.professional("钱伟")
    submitted = declaration_submit(declaration_id=added.pk, actor=role.user, role=role)
    assert submitted.status_word == "个人上报"  # seed: "申请状态显示个人上报"
    steps = list(submitted.chain_steps.values_list("level_name", flat=True))
    assert steps == ["企业审核", "学时办审核", "省级备案"]

    at_province = declaration_approve(declaration_id=added.pk, actor=unit.user, role=unit)
    assert at_province.status_word == "企业审核通过"
    done = approve_all(demo, at_province)
    assert done.status == DeclarationStatus.APPROVED
    assert done.status_word == "终审通过"
    assert [t.level_name for t in done.trail.filter(action="approve")] == steps
    after = year_compliance(person, CLOSED_YEAR).total_hours
    assert after == before + Decimal(12)


def test_supplement_claim_in_another_category_or_year_is_refused(demo):
    approved_claim(demo)
    sent = send(demo, request_for(demo))
    unit = enterprise(demo)
    supplement_request_agree(request_id=sent.pk, actor=unit.user, role=unit)
    with pytest.raises(ValidationError):
        draft(demo, category="research", title="别的类别", today=IN_WINDOW, supplement=True)
    with pytest.raises(ValidationError):
        draft(demo, title="别的年度", year=2025, today=IN_WINDOW, supplement=True)


def test_nobody_decides_their_own_request(demo):
    """The unit admin who is also the person may not agree to their own request."""
    approved_claim(demo)
    sent = send(demo, request_for(demo))
    person_role = demo.professional("钱伟")
    own = RoleAssignment.objects.create(
        user=person_role.user,
        kind=RoleKind.UNIT_ADMIN,
        organization=demo.organization("浙江省建工集团有限责任公司"),
    )
    with pytest.raises(OwnClaim):
        supplement_request_agree(request_id=sent.pk, actor=own.user, role=own)


def test_another_units_admin_cannot_decide(demo):
    approved_claim(demo)
    sent = send(demo, request_for(demo))
    other = demo.role("zj_sheji")
    with pytest.raises(PermissionDenied):
        supplement_request_agree(request_id=sent.pk, actor=other.user, role=other)


def test_a_decision_is_trailed_and_audited(demo):
    approved_claim(demo)
    sent = send(demo, request_for(demo))
    unit = enterprise(demo)
    supplement_request_refuse(request_id=sent.pk, reason="材料不足", actor=unit.user, role=unit)
    entry = SupplementTrailEntry.objects.get(request=sent, action="reject")
    assert entry.comment == "材料不足" and entry.level_name == "企业审核"
    assert AuditLog.objects.filter(action="supplement.reject", reason="材料不足").exists()
    assert AuditLog.objects.filter(action="supplement.create").exists()


def test_after_refusal_a_new_request_may_be_made(demo):
    approved_claim(demo)
    sent = send(demo, request_for(demo))
    unit = enterprise(demo)
    supplement_request_refuse(request_id=sent.pk, reason="材料不足", actor=unit.user, role=unit)
    again = request_for(demo)
    assert again.status == SupplementStatus.DRAFT


def test_sending_after_the_window_is_refused(demo):
    approved_claim(demo)
    drafted = request_for(demo)
    with pytest.raises(ValidationError) as refused:
        send(demo, drafted, today=AFTER_WINDOW)
    assert "2027年1月20日" in " ".join(refused.value.messages)
