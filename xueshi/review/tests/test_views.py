"""The review pages walked through the seeds' journeys: Anyang, Zhejiang, Guangxi."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from xueshi.core.models import AuditLog
from xueshi.declarations import events
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.declarations.services import (
    DeclarationInput,
    attachment_add,
    declaration_save,
)
from xueshi.orgs.tests.factories import act_as
from xueshi.review.models import TrailAction, TrailEntry
from xueshi.review.selectors import current_step
from xueshi.review.services import declaration_approve, declaration_submit

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year
# Enough of a PNG for the magic-byte check (Zhejiang requires a picture of the evidence).
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
HTMX = {"HTTP_HX_REQUEST": "true"}


# --- claims made through the services, as a declarant would ------------------------------------


def declare(
    demo: Any,
    name: str,
    category: str,
    level: str,
    fields: dict[str, Any],
    *,
    pledge: bool = False,
    evidence: bool = False,
) -> Declaration:
    role = demo.professional(name)
    declaration = declaration_save(
        person=demo.person(name),
        data=DeclarationInput(category, level, fields, pledge=pledge),
        actor=role.user,
        role=role,
    )
    if evidence:
        attachment_add(
            declaration=declaration,
            upload=SimpleUploadedFile("证书.png", PNG, content_type="image/png"),
            actor=role.user,
            role=role,
        )
    return declaration_submit(declaration_id=declaration.pk, actor=role.user, role=role)


def anyang_claim(demo: Any, name: str = "李明", courses: int = 2) -> Declaration:
    return declare(
        demo,
        name,
        "degree_education",
        "course_passed",
        {"credit_year": THIS_YEAR, "description": "参加学位教育", "quantity": courses},
    )


def guangxi_claim(
    demo: Any, name: str = "覃海燕", title: str = "教学能力提升培训班"
) -> Declaration:
    return declare(
        demo,
        name,
        "training_course",
        "by_dates",
        {
            "title": title,
            "start_date": datetime.date(THIS_YEAR, 1, 5),
            "end_date": datetime.date(THIS_YEAR, 1, 6),
            "description": "自治区教育厅主办",
            "credit_year": THIS_YEAR,
        },
        pledge=True,
    )


def guangxi_final(demo: Any, declaration: Declaration) -> Declaration:
    """专业科目学时终审 at 广西大学's supervisor grants the hours (issue 13 item 6)."""
    supervisor = demo.role("gx_jyt")
    return declaration_approve(
        declaration_id=declaration.pk, actor=supervisor.user, role=supervisor
    )


def at_final_review(declaration: Declaration) -> bool:
    """The unit passed it: it waits for Guangxi's 专业科目学时终审."""
    declaration.refresh_from_db()
    step = current_step(declaration)
    return declaration.status == DeclarationStatus.PENDING and (
        step is not None and step.level_name == "专业科目学时终审"
    )


def zhejiang_claim(demo: Any, name: str = "钱伟", title: str = "BIM 技术应用培训") -> Declaration:
    return declare(
        demo,
        name,
        "training",
        "per_rules",
        {
            "credit_year": THIS_YEAR,
            "title": title,
            "hours_claimed": Decimal(24),
            "description": "省建设厅主办",
        },
        evidence=True,
    )


def huang_wei(demo: Any) -> Any:
    """黄伟: department admin of 广西大学 · 计算机与电子信息学院 (his login is his ID number)."""
    return demo.role(demo.person("黄伟").user.username, "department_admin")


def act(client: Any, action: str, declaration: Declaration, **data: Any) -> Any:
    declaration.refresh_from_db()
    payload = {"expected_position": declaration.current_position, **data}
    return client.post(reverse(f"review:{action}", args=[declaration.pk]), payload)


def text(response: Any) -> str:
    return response.content.decode()


def table(response: Any) -> str:
    """The page's table body only (a success message may name other claims)."""
    page = text(response)
    return page[page.index("<tbody>") :] if "<tbody>" in page else ""


def messages_of(response: Any) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


# --- Anyang: 单位审核 → 管理单位审核 → 协会审核 ---


def test_anyang_claim_passes_three_levels_through_the_pages(client, demo):
    declaration = anyang_claim(demo)
    for username, level in (
        ("ay_yiyuan", "单位审核"),
        ("ay_weijian", "管理单位审核"),
        ("ay_xiehui", "协会审核"),
    ):
        act_as(client, demo.role(username))
        queue = client.get(reverse("review:queue"))
        assert queue.status_code == 200
        page = text(queue)
        assert f"<title>{level}" in page
        assert "李明" in page and "参加学位教育" in page
        assert demo.person("李明").id_number not in page  # masked
        detail = client.get(reverse("review:detail", args=[declaration.pk]))
        assert detail.status_code == 200
        assert f"{level}（" in text(detail)  # the action panel names the level
        response = act(client, "approve", declaration, comment="情况属实")
        assert response.status_code == 302
        assert response["Location"] == reverse("review:queue")
        assert "暂无待审核的申报" in text(client.get(reverse("review:queue")))

    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.APPROVED
    assert declaration.hours_granted == declaration.hours_claimed == Decimal(30)
    assert list(
        TrailEntry.objects.filter(declaration=declaration, action=TrailAction.APPROVE).values_list(
            "level_name", flat=True
        )
    ) == ["单位审核", "管理单位审核", "协会审核"]


def test_anyang_school_without_managing_unit_goes_to_the_association(client, demo):
    declaration = anyang_claim(demo, name="王芳")
    act_as(client, demo.role("ay_weijian"))
    assert "王芳" not in text(client.get(reverse("review:queue")))
    for username in ("ay_yizhong", "ay_xiehui"):
        act_as(client, demo.role(username))
        assert "王芳" in text(client.get(reverse("review:queue")))
        assert act(client, "approve", declaration).status_code == 302
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.APPROVED
    assert list(declaration.chain_steps.values_list("level_name", flat=True)) == [
        "单位审核",
        "协会审核",
    ]


# --- Zhejiang: 企业审核 → 省级终审 -------------------------------------------------------------


def test_zhejiang_enterprise_then_provincial_final_and_a_provincial_rejection(client, demo):
    passed = zhejiang_claim(demo)
    refused = zhejiang_claim(demo, title="项目管理实践")
    act_as(client, demo.role("zj_jiangong"))
    assert "<title>企业审核" in text(client.get(reverse("review:queue")))
    for declaration in (passed, refused):
        assert act(client, "approve", declaration).status_code == 302

    act_as(client, demo.role("zj_jst"))
    page = text(client.get(reverse("review:queue")))
    assert "<title>省级终审" in page and "BIM 技术应用培训" in page and "项目管理实践" in page
    assert act(client, "approve", passed, comment="终审通过").status_code == 302
    assert act(client, "reject", refused, reason="与本专业无关").status_code == 302

    passed.refresh_from_db()
    refused.refresh_from_db()
    assert passed.status == DeclarationStatus.APPROVED
    assert refused.status == DeclarationStatus.REJECTED
    entry = TrailEntry.objects.filter(declaration=refused).last()
    assert entry is not None
    assert (entry.action, entry.level_name, entry.comment) == (
        TrailAction.REJECT,
        "省级终审",
        "与本专业无关",
    )
    results = table(client.get(reverse("review:results"), {"status": "rejected"}))
    assert "项目管理实践" in results and "与本专业无关" in results
    assert "BIM 技术应用培训" not in results


# --- Guangxi: 通过/不通过 with 审核意见, batch, department admin ---


def test_guangxi_reject_without_reason_is_refused_and_nothing_changes(client, demo):
    declaration = guangxi_claim(demo)
    act_as(client, demo.role("gx_gxu"))
    response = act(client, "reject", declaration, reason="   ")
    assert response.status_code == 400
    assert "请填写原因" in text(response)
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.PENDING
    assert not TrailEntry.objects.filter(declaration=declaration, action="reject").exists()
    # Through HTMX the row comes back with the error (and the form open).
    declaration.refresh_from_db()
    response = client.post(
        reverse("review:reject", args=[declaration.pk]),
        {"expected_position": declaration.current_position, "reason": ""},
        **HTMX,
    )
    assert response.status_code == 200
    assert f'id="review-row-{declaration.pk}"' in text(response) and "请填写原因" in text(response)


def test_guangxi_batch_approve_two_and_batch_reject_needs_a_reason(client, demo):
    first = guangxi_claim(demo, "覃海燕", "人工智能导论培训")
    second = guangxi_claim(demo, "蒙丽", "政府会计制度培训")
    third = guangxi_claim(demo, "陈静", "高校人事管理研修")
    act_as(client, demo.role("gx_gxu"))

    response = client.post(
        reverse("review:batch"), {"action": "approve", "ids": [first.pk, second.pk]}
    )
    assert response.status_code == 302
    assert any("已批量通过审核 2 条" in message for message in messages_of(response))
    for declaration in (first, second):
        assert at_final_review(declaration)

    response = client.post(reverse("review:batch"), {"action": "reject", "ids": [third.pk]})
    assert response.status_code == 400
    assert "批量不通过审核必须填写不通过原因" in text(response)
    third.refresh_from_db()
    assert third.status == DeclarationStatus.PENDING

    response = client.post(
        reverse("review:batch"),
        {"action": "reject", "ids": [third.pk], "reason": "材料不全"},
    )
    assert response.status_code == 302
    third.refresh_from_db()
    assert third.status == DeclarationStatus.REJECTED
    assert TrailEntry.objects.filter(declaration=third, comment="材料不全").exists()


def test_batch_leaves_claims_outside_the_scope_untouched(client, demo):
    mine = guangxi_claim(demo, "覃海燕")
    other = anyang_claim(demo)
    act_as(client, demo.role("gx_gxu"))
    response = client.post(
        reverse("review:batch"), {"action": "approve", "ids": [mine.pk, other.pk]}
    )
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.status == DeclarationStatus.PENDING and other.current_position == 0
    assert any("不在您的管理范围内" in message for message in messages_of(response))


def test_department_admin_sees_and_acts_only_on_his_department(client, demo):
    own = guangxi_claim(demo, "覃海燕", "人工智能导论培训")
    other = guangxi_claim(demo, "蒙丽", "政府会计制度培训")
    act_as(client, huang_wei(demo))

    page = text(client.get(reverse("review:queue")))
    assert "人工智能导论培训" in page and "政府会计制度培训" not in page
    assert client.get(reverse("review:detail", args=[other.pk])).status_code == 404
    for action, data in (("approve", {}), ("return", {"reason": "x"}), ("reject", {"reason": "x"})):
        assert act(client, action, other, **data).status_code == 404
    assert client.post(reverse("review:delete_approved", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.status == DeclarationStatus.PENDING

    assert client.get(reverse("review:detail", args=[own.pk])).status_code == 200
    assert act(client, "approve", own).status_code == 302
    assert at_final_review(own)


def test_a_reviewer_at_the_wrong_level_or_elsewhere_is_refused(client, demo):
    declaration = anyang_claim(demo)
    act_as(client, demo.role("ay_weijian"))  # the managing unit, before the unit acted
    detail = text(client.get(reverse("review:detail", args=[declaration.pk])))
    assert "当前环节" in detail and "不予认定原因" not in detail  # no action panel
    response = act(client, "approve", declaration)
    assert response.status_code == 302
    assert any("已不在您的审核环节" in message for message in messages_of(response))

    act_as(client, demo.role("gx_gxu"))  # another region altogether
    assert client.get(reverse("review:detail", args=[declaration.pk])).status_code == 404
    assert act(client, "approve", declaration).status_code == 404
    declaration.refresh_from_db()
    assert declaration.current_position == 0
    assert not TrailEntry.objects.filter(declaration=declaration, action="approve").exists()


def test_a_stale_page_cannot_act_twice(client, demo):
    declaration = anyang_claim(demo)
    act_as(client, demo.role("ay_yiyuan"))
    url = reverse("review:approve", args=[declaration.pk])
    assert client.post(url, {"expected_position": 0}).status_code == 302
    response = client.post(url, {"expected_position": 0}, follow=True)
    assert response.status_code == 200
    assert "该申报已被处理" in text(response)
    # HTMX: the row says so, no 500.
    response = client.post(url, {"expected_position": 0}, **HTMX)
    assert response.status_code == 200 and "该申报已被处理" in text(response)
    assert TrailEntry.objects.filter(declaration=declaration, action="approve").count() == 1


def test_htmx_approve_returns_the_updated_row(client, demo):
    declaration = anyang_claim(demo)
    act_as(client, demo.role("ay_yiyuan"))
    response = client.post(
        reverse("review:approve", args=[declaration.pk]), {"expected_position": 0}, **HTMX
    )
    assert response.status_code == 200
    row = text(response)
    assert row.strip().startswith(f'<tr id="review-row-{declaration.pk}"')
    assert "已通过，转入管理单位审核" in row


def test_lowering_hours_needs_a_reason_and_keeps_hours_claimed(client, demo):
    declaration = anyang_claim(demo, courses=4)  # 60 hours claimed
    act_as(client, demo.role("ay_yiyuan"))
    detail = text(client.get(reverse("review:detail", args=[declaration.pk])))
    assert 'name="hours_granted"' in detail and 'value="60' in detail  # prefilled

    response = act(client, "approve", declaration, hours_granted="45")
    assert response.status_code == 400
    page = text(response)
    assert "调整批准学时必须填写原因" in page
    assert 'value="45' in page  # what was typed stays
    declaration.refresh_from_db()
    assert declaration.current_position == 0

    response = act(client, "approve", declaration, hours_granted="90", comment="多给")
    assert response.status_code == 400 and "批准学时不能超过申请学时" in text(response)

    response = act(client, "approve", declaration, hours_granted="45", comment="一门课程不在本年度")
    assert response.status_code == 302
    declaration.refresh_from_db()
    assert declaration.hours_claimed == Decimal(60)
    assert declaration.hours_granted == Decimal(45)


def test_return_sends_the_claim_back_with_the_reason(client, demo):
    declaration = anyang_claim(demo)
    act_as(client, demo.role("ay_yiyuan"))
    assert act(client, "return", declaration, reason="").status_code == 400
    assert act(client, "return", declaration, reason="请补充成绩单").status_code == 302
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.RETURNED
    results = text(client.get(reverse("review:results"), {"status": "returned"}))
    assert "请补充成绩单" in results


def test_queue_filters(client, demo):
    guangxi_claim(demo, "覃海燕", "人工智能导论培训")
    guangxi_claim(demo, "蒙丽", "政府会计制度培训")
    act_as(client, demo.role("gx_gxu"))
    page = text(client.get(reverse("review:queue"), {"name": "蒙"}))
    assert "政府会计制度培训" in page and "人工智能导论培训" not in page
    page = text(client.get(reverse("review:queue"), {"id_number": demo.person("覃海燕").id_number}))
    assert "人工智能导论培训" in page and "政府会计制度培训" not in page
    page = text(client.get(reverse("review:queue"), {"credit_year": THIS_YEAR - 1}))
    assert "暂无待审核的申报" in page
    page = text(client.get(reverse("review:queue"), {"category_code": "training_course"}))
    assert "人工智能导论培训" in page and "培训班" in page  # the category choices come from 广西


def test_only_reviewers_open_the_review_pages(client, demo):
    act_as(client, demo.professional("李明"))
    assert client.get(reverse("review:queue")).status_code == 403
    assert client.get(reverse("review:results")).status_code == 403


# --- 删除 an approved claim -------------------------------------------------------------------


def test_unit_admin_deletes_an_approved_claim_with_a_reason(
    client, demo, django_capture_on_commit_callbacks
):
    declaration = guangxi_claim(demo)
    unit = demo.role("gx_gxu")
    declaration_approve(declaration_id=declaration.pk, actor=unit.user, role=unit)
    guangxi_final(demo, declaration)

    # The department admin sees the result, but not the 删除 button, and cannot delete.
    act_as(client, huang_wei(demo))
    results = text(client.get(reverse("review:results")))
    assert "教学能力提升培训班" in results
    assert reverse("review:delete_approved", args=[declaration.pk]) not in results
    response = client.post(
        reverse("review:delete_approved", args=[declaration.pk]), {"reason": "重复登记"}
    )
    assert response.status_code in (403, 404)
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.APPROVED

    act_as(client, unit)
    results = text(client.get(reverse("review:results"), {"status": "approved"}))
    url = reverse("review:delete_approved", args=[declaration.pk])
    assert url in results
    confirm = text(client.get(url))
    assert "删除后该学时将从年度学时中扣除，已生成的继续教育合格证书将自动失效。" in confirm
    assert client.post(url, {"reason": ""}).status_code == 400

    received: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        received.append(kwargs)

    events.approved_declaration_deleted.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"reason": "重复登记"})
    finally:
        events.approved_declaration_deleted.disconnect(receiver)
    assert response.status_code == 302
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.DELETED
    assert TrailEntry.objects.filter(
        declaration=declaration, action=TrailAction.DELETE, comment="重复登记"
    ).exists()
    log = AuditLog.objects.get(action="declaration.delete", target_id=str(declaration.pk))
    assert (log.from_state, log.to_state, log.reason) == ("approved", "deleted", "重复登记")
    assert len(received) == 1 and received[0]["declaration"].pk == declaration.pk
    assert received[0]["reason"] == "重复登记"
    # Gone from the results and from the detail (404).
    assert client.get(reverse("review:detail", args=[declaration.pk])).status_code == 404


def test_platform_admin_deletes_an_approved_claim_with_a_reason(client, demo):
    declaration = guangxi_claim(demo)
    unit = demo.role("gx_gxu")
    declaration_approve(declaration_id=declaration.pk, actor=unit.user, role=unit)
    guangxi_final(demo, declaration)
    act_as(client, demo.role("admin"))

    # The platform admin does not review (no queue), but sees the results and may remove.
    assert client.get(reverse("review:queue")).status_code == 403
    results = text(client.get(reverse("review:results"), {"status": "approved"}))
    url = reverse("review:delete_approved", args=[declaration.pk])
    assert "教学能力提升培训班" in results and url in results
    assert "删除后该学时将从年度学时中扣除" in text(client.get(url))
    assert client.post(url, {"reason": ""}).status_code == 400
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.APPROVED

    response = client.post(url, {"reason": "平台核查：重复登记"})

    assert response.status_code == 302
    declaration.refresh_from_db()
    assert declaration.status == DeclarationStatus.DELETED
    assert TrailEntry.objects.filter(
        declaration=declaration, action=TrailAction.DELETE, comment="平台核查：重复登记"
    ).exists()
    log = AuditLog.objects.get(action="declaration.delete", target_id=str(declaration.pk))
    assert log.reason == "平台核查：重复登记"
