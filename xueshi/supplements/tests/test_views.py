"""The 增补 pages (seed 003, 浙江建设): the person's red 增补申请 button only in the window, a
direct POST outside it refused with the dates, 提交申请 / 撤销增补, the enterprise's decision list
(同意增补 / 拒绝增补 with a reason), 同意 / 不同意 on the person's page, 新增 after consent."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from xueshi.accounts.models import Person
from xueshi.declarations.models import Declaration
from xueshi.declarations.tests.test_form_views import act_as
from xueshi.portal.menu import menu_for
from xueshi.supplements import views
from xueshi.supplements.models import SupplementRequest, SupplementStatus, SupplementStep
from xueshi.supplements.services import (
    supplement_request_agree,
    supplement_request_create,
    supplement_request_send,
)

from .factories import AFTER_WINDOW, CLOSED_YEAR, IN_WINDOW, approved_claim, draft

pytestmark = pytest.mark.django_db


def on(monkeypatch: pytest.MonkeyPatch, day: datetime.date) -> None:
    """Fix the clock the views read (timezone.localdate)."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)


def texts(response: Any) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def category_url(category: str = "training") -> str:
    return reverse("supplements:category", args=[CLOSED_YEAR, category])


def sent_request(demo: Any) -> SupplementRequest:
    role = demo.professional("钱伟")
    made = supplement_request_create(
        person=demo.person("钱伟"),
        category_code="training",
        actor=role.user,
        role=role,
        today=IN_WINDOW,
    )
    return supplement_request_send(request_id=made.pk, actor=role.user, role=role, today=IN_WINDOW)


def test_in_the_window_the_red_button_requests_with_a_confirmation(client, demo, monkeypatch):
    """Seed: "可查看到“增补申请”的红色按钮"; "点击“增补申请”后系统弹出提示框…提示申请成功"."""
    approved_claim(demo)
    on(monkeypatch, IN_WINDOW)
    act_as(client, demo.professional("钱伟"))
    index = client.get(reverse("supplements:index")).content.decode()
    assert "参加培训班、研修班或进修班学习" in index and "查看" in index
    page = client.get(category_url()).content.decode()
    assert "btn btn-danger" in page and "增补申请" in page
    assert 'data-confirm="增补申请：对2026年度' in page
    response = client.post(reverse("supplements:request"), {"category": "training"})
    assert response.status_code == 302
    assert "增补申请成功，状态为“已申请”" in texts(response)
    page = client.get(category_url()).content.decode()
    assert "已申请" in page and "提交申请" in page and "撤销增补" in page
    made = SupplementRequest.objects.get()
    response = client.post(reverse("supplements:send", args=[made.pk]))
    assert "企业将收到您的增补申请" in texts(response)
    page = client.get(category_url()).content.decode()
    assert "个人申请中" in page and "未处理" in page and "提交申请</button>" not in page


def test_after_the_window_no_button_and_a_direct_post_is_refused_with_dates(
    client, demo, monkeypatch
):
    approved_claim(demo)
    on(monkeypatch, AFTER_WINDOW)
    act_as(client, demo.professional("钱伟"))
    page = client.get(category_url()).content.decode()
    assert "btn btn-danger" not in page
    assert "2027年1月1日至2027年1月20日" in page
    response = client.post(reverse("supplements:request"), {"category": "training"})
    assert response.status_code == 302
    assert "2027年1月1日至2027年1月20日" in texts(response)
    assert not SupplementRequest.objects.exists()


def test_cancel_from_the_page(client, demo, monkeypatch):
    """Seed: "可在同页面点击“撤销增补”按钮"."""
    approved_claim(demo)
    made = sent_request(demo)
    on(monkeypatch, IN_WINDOW)
    act_as(client, demo.professional("钱伟"))
    response = client.post(reverse("supplements:cancel", args=[made.pk]))
    assert "已撤销增补" in texts(response)
    assert not SupplementRequest.objects.exists()


def test_enterprise_decision_list_agree_then_person_sees_agree_and_adds(client, demo, monkeypatch):
    """Seed: "企业审批可以选择“同意增补”和”拒绝增补”两个操作"; "在企业点击“同意增补”后，学员端点
    “查看”按钮，明细列表的增补申请状态为同意。可点击“新增”按钮，进行填报"."""
    approved_claim(demo)
    made = sent_request(demo)
    on(monkeypatch, IN_WINDOW)
    act_as(client, demo.role("zj_jiangong"))
    page = client.get(reverse("supplements:decisions")).content.decode()
    assert "钱伟" in page and "同意增补" in page and "拒绝增补" in page
    assert demo.person("钱伟").id_number not in page  # masked
    assert 'data-confirm="确定同意增补吗？' in page
    response = client.post(reverse("supplements:agree", args=[made.pk]))
    assert "已同意增补" in texts(response)
    decided = client.get(reverse("supplements:decisions"), {"state": "decided"}).content.decode()
    assert "钱伟" in decided and "同意" in decided

    act_as(client, demo.professional("钱伟"))
    page = client.get(category_url()).content.decode()
    assert ">同意<" in page and "已处理" in page
    new_url = reverse("supplements:new_claim", args=[made.pk])
    assert new_url in page
    form = client.get(new_url).content.decode()
    assert "增补学时登记（2026年度）" in form
    assert "2026 年度" in form and "2027 年度" not in form
    assert "参加继续教育实践活动" not in form  # only the consented category
    response = client.post(
        new_url,
        {
            "category": "training",
            "level": "per_rules",
            "credit_year": "2026",
            "title": "补登记的安全培训",
            "hours_claimed": "12",
            "description": "考核合格",
            "pledge": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    added = Declaration.objects.get(title="补登记的安全培训")
    assert added.is_supplement and added.credit_year == CLOSED_YEAR
    assert added.hours_claimed == Decimal(12)
    assert "个人保存" in texts(response)
    page = client.get(category_url()).content.decode()
    assert "补登记的安全培训" in page and "个人保存" in page


def test_refuse_needs_a_reason_and_the_person_sees_disagree(client, demo, monkeypatch):
    """Seed: "在企业点击“拒绝增补”后，学员点“查看”按钮，明细列表的增补申请状态为不同意"."""
    approved_claim(demo)
    made = sent_request(demo)
    on(monkeypatch, IN_WINDOW)
    act_as(client, demo.role("zj_jiangong"))
    response = client.post(reverse("supplements:refuse", args=[made.pk]), {"reason": " "})
    assert "拒绝增补必须填写原因" in texts(response)
    assert SupplementRequest.objects.get().status == SupplementStatus.PENDING
    client.post(reverse("supplements:refuse", args=[made.pk]), {"reason": "该培训不属增补范围"})
    act_as(client, demo.professional("钱伟"))
    page = client.get(category_url()).content.decode()
    assert "不同意" in page and "该培训不属增补范围" in page
    response = client.get(reverse("supplements:new_claim", args=[made.pk]))
    assert response.status_code == 302
    assert "企业同意增补后才能新增" in texts(response)


def test_another_units_admin_gets_404(client, demo):
    approved_claim(demo)
    made = sent_request(demo)
    act_as(client, demo.role("zj_sheji"))
    assert client.post(reverse("supplements:agree", args=[made.pk])).status_code == 404
    assert "钱伟" not in client.get(reverse("supplements:decisions")).content.decode()
    act_as(client, demo.professional("吴婷"))
    assert client.post(reverse("supplements:cancel", args=[made.pk])).status_code == 404


def test_menus_and_pages_follow_the_profile(client, demo):
    """增补 is a capability of the profile: Zhejiang has it, Henan does not."""

    def labels(role: Any) -> set[str]:
        return {item.label for section in menu_for(role) for item in section.items}

    assert "增补申请" in labels(demo.professional("钱伟"))
    assert "增补审批" in labels(demo.role("zj_jiangong"))
    henan_person = Person.objects.filter(unit__name="郑州大学").first()
    assert henan_person is not None
    henan = demo.professional(henan_person.name)
    assert "增补申请" not in labels(henan)
    assert "增补审批" not in labels(demo.role("ha_zzu"))
    act_as(client, henan)
    assert client.get(reverse("supplements:index")).status_code == 403


def test_empty_states(client, demo, monkeypatch):
    on(monkeypatch, IN_WINDOW)
    act_as(client, demo.professional("钱伟"))
    page = client.get(reverse("supplements:index")).content.decode()
    assert "没有可增补的类别" in page
    act_as(client, demo.role("zj_jiangong"))
    page = client.get(reverse("supplements:decisions")).content.decode()
    assert "暂无待处理的增补申请" in page


def _pending_requests(demo: Any, count: int, start: int) -> None:
    """Rows for the list only (the flow is tested above): pending requests of the unit."""
    person = demo.person("钱伟")
    unit = person.unit
    for index in range(start, start + count):
        item = SupplementRequest.objects.create(
            person=person,
            unit=unit,
            created_by=person.user,
            policy_profile="zhejiang_construction",
            profile_version=datetime.date(2019, 1, 1),
            credit_year=2000 + index,
            category_code="training",
            category_name=f"类别第{index}项",
            status=SupplementStatus.PENDING,
            current_position=0,
            entry_position=0,
            submitted_at=timezone.now(),
        )
        SupplementStep.objects.create(
            request=item,
            position=0,
            level_code="enterprise",
            level_name="企业审核",
            organization=unit,
        )


def test_decision_list_queries_do_not_grow_with_rows(client, demo, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 100)
    act_as(client, demo.role("zj_jiangong"))
    url = reverse("supplements:decisions")
    _pending_requests(demo, 2, 0)
    client.get(url)  # warm the caches (profiles, session)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).content.decode().count('认定类别">类别第') == 2
    _pending_requests(demo, 30, 2)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).content.decode().count('认定类别">类别第') == 32
    assert len(many.captured_queries) == len(few.captured_queries)


def test_decision_list_is_paginated(client, demo):
    _pending_requests(demo, views.PAGE_SIZE + 3, 0)
    act_as(client, demo.role("zj_jiangong"))
    page = client.get(reverse("supplements:decisions")).content.decode()
    assert page.count('认定类别">类别第') == views.PAGE_SIZE
    assert "第 1 / 2 页" in page


def test_demo_shows_a_pending_and_an_agreed_request(demo_claims, client):
    """`make run`: 钱伟 waits for his enterprise (个人申请中), 吴婷's request was agreed (同意)."""
    pending = SupplementRequest.objects.get(person__name="钱伟")
    agreed = SupplementRequest.objects.get(person__name="吴婷")
    assert pending.status == SupplementStatus.PENDING and pending.status_word == "个人申请中"
    assert agreed.status == SupplementStatus.APPROVED and agreed.status_word == "同意"
    act_as(client, demo_claims.role("zj_jiangong"))
    assert "钱伟" in client.get(reverse("supplements:decisions")).content.decode()
    act_as(client, demo_claims.professional("吴婷"))
    page = client.get(
        reverse("supplements:category", args=[agreed.credit_year, agreed.category_code])
    ).content.decode()
    assert reverse("supplements:new_claim", args=[agreed.pk]) in page


def test_a_supplement_draft_is_edited_with_its_year_and_category_fixed(client, demo, monkeypatch):
    approved_claim(demo)
    made = sent_request(demo)
    unit = demo.role("zj_jiangong")
    supplement_request_agree(request_id=made.pk, actor=unit.user, role=unit)
    added = draft(demo, title="补登记的培训", today=IN_WINDOW, supplement=True)
    on(monkeypatch, IN_WINDOW)
    act_as(client, demo.professional("钱伟"))
    form = client.get(reverse("declarations:edit", args=[added.pk])).content.decode()
    assert "2026 年度" in form and "2027 年度" not in form
    assert "参加继续教育实践活动" not in form
    # A forged year is refused by the rules, whatever the page offered.
    response = client.post(
        reverse("declarations:edit", args=[added.pk]),
        {
            "category": "training",
            "level": "per_rules",
            "credit_year": "2027",
            "title": "补登记的培训",
            "hours_claimed": "12",
            "description": "考核合格",
            "pledge": "on",
        },
    )
    assert response.status_code == 200
    assert Declaration.objects.get(pk=added.pk).credit_year == CLOSED_YEAR
