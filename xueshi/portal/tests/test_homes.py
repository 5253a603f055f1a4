"""Homes by role (issue 13 item 13): "the unit's home shows the year's claims (全部/已审核/待审核)
and a last-month chart; the person's home shows this year's hours against the requirement
(general, professional, total, 还差 N 学时) and what is waiting on them"."""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from xueshi.declarations.services import DeclarationInput, declaration_save
from xueshi.ledger.services import general_records_import
from xueshi.ledger.tests.test_ledger import THIS_YEAR, anyang_claim, approve_all, general
from xueshi.orgs.tests.factories import act_as
from xueshi.portal.selectors import claims_home, person_home
from xueshi.review.services import declaration_approve, declaration_return

pytestmark = pytest.mark.django_db


def draft(demo: Any, title: str = "草稿") -> Any:
    role = demo.professional("李明")
    return declaration_save(
        person=demo.person("李明"),
        data=DeclarationInput(
            "degree_education",
            "course_passed",
            {"credit_year": THIS_YEAR, "description": title, "quantity": 1},
        ),
        actor=role.user,
        role=role,
    )


def returned(demo: Any) -> Any:
    claim = anyang_claim(demo, courses=2)
    unit = demo.role("ay_yiyuan")
    return declaration_return(
        declaration_id=claim.pk, actor=unit.user, role=unit, reason="请补充成绩单"
    )


def get_home(client: Any) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(reverse("core:home"))
    assert response.status_code == 200
    return response.content.decode(), len(context.captured_queries)


# --- the person's home --------------------------------------------------------------------


def test_person_home_shows_this_years_hours_against_the_requirement(client, demo):
    """Anyang requires 90 a year, 公需 30 and 专业 ≥ 60: 20 general + 60 professional = 80,
    "还差 10 学时" (total), general 还差 10, professional reached."""
    general_records_import(rows=[general(demo, "H-1", "20", datetime.date(THIS_YEAR, 3, 1))])
    approve_all(demo, anyang_claim(demo, courses=4))  # 4 × 15 = 60
    home = person_home(demo.person("李明"), THIS_YEAR)
    assert home.compliance.total_hours == Decimal(80)
    assert home.remaining_total == Decimal(10)
    assert home.remaining_general == Decimal(10)
    assert home.remaining_professional == Decimal(0)
    act_as(client, demo.professional("李明"))
    page, _ = get_home(client)
    assert f"{THIS_YEAR} 年度学时进度" in page
    assert "还差 10 学时" in page
    assert re.search(r"总学时</span><span>80 / 90", page)
    assert re.search(r"公需科目</span><span>20 / 30（还差 10）", page)
    assert re.search(r"专业科目</span><span>60 / 60<", page)


def test_person_home_says_met_when_reached(client, demo):
    general_records_import(rows=[general(demo, "H-2", "30", datetime.date(THIS_YEAR, 3, 1))])
    approve_all(demo, anyang_claim(demo, courses=4))
    act_as(client, demo.professional("李明"))
    page, _ = get_home(client)
    assert "已达标" in page and "还差" not in page


def test_person_home_lists_what_waits_on_them(client, demo):
    """Returned claims first ("被退回，需进行修改重新提交或删除", seed 000), then drafts; a
    claim that waits on a reviewer is not theirs to act on."""
    back = returned(demo)
    saved = draft(demo, "保存暂不提交的申报")
    anyang_claim(demo, courses=1)  # pending at the unit: not waiting on the person
    home = person_home(demo.person("李明"), THIS_YEAR)
    assert (home.returned_count, home.draft_count) == (1, 1)
    assert [d.pk for d in home.waiting] == [back.pk, saved.pk]
    act_as(client, demo.professional("李明"))
    page, _ = get_home(client)
    assert "已退回 1 条" in page and "待提交 1 条" in page
    assert reverse("declarations:edit", args=[back.pk]) in page
    assert "修改后重新提交" in page


def test_person_home_empty_state(client, demo):
    act_as(client, demo.professional("李明"))
    page, _ = get_home(client)
    assert "没有待您处理的申报" in page
    assert "还差 90 学时" in page


def test_person_home_queries_do_not_grow_with_claims(client, demo):
    act_as(client, demo.professional("李明"))
    for index in range(2):
        draft(demo, f"草稿{index}")
    returned(demo)
    _, few = get_home(client)
    for index in range(2, 20):
        draft(demo, f"草稿{index}")
    returned(demo)
    approve_all(demo, anyang_claim(demo, courses=1))
    _, many = get_home(client)
    assert few == many, (few, many)


# --- the unit's home ----------------------------------------------------------------------


def chart_data(page: str) -> dict[str, list[Any]]:
    match = re.search(r'<script id="home-chart-data" type="application/json">(.*?)</script>', page)
    assert match, "the chart's data is embedded with json_script"
    return json.loads(match.group(1))


def test_unit_home_counts_the_years_claims(client, demo):
    """全部 = sent claims of the year, 已审核 = a verdict was given, 待审核 = still in review."""
    draft(demo)  # not counted: a draft is the person's own business
    returned(demo)  # reviewed (退回)
    approve_all(demo, anyang_claim(demo, courses=1))  # reviewed (通过)
    anyang_claim(demo, courses=3)  # pending at the unit
    passed_on = anyang_claim(demo, courses=2)
    unit = demo.role("ay_yiyuan")
    declaration_approve(declaration_id=passed_on.pk, actor=unit.user, role=unit)  # 管理单位审核
    summary = claims_home(unit, THIS_YEAR, timezone.localdate())
    assert (summary.total, summary.reviewed, summary.pending) == (4, 2, 2)
    assert summary.in_queue == 1  # only the one at the unit's own level
    assert summary.chart_total == 4
    act_as(client, unit)
    page, _ = get_home(client)
    assert f"{THIS_YEAR} 年度学时申报" in page
    for label in ("全部", "已审核", "待审核"):
        assert f'<p class="xs-stat-label">{label}</p>' in page
    data = chart_data(page)
    assert len(data["labels"]) == len(data["submitted"]) == 30
    assert data["submitted"][-1] == 4  # all sent today
    # The chart is drawn by a static file; the page has no inline script.
    assert "js/home-chart.js" in page and "vendor/echarts/echarts.min.js" in page
    assert not re.search(r"<script(?![^>]*(src=|application/json))", page)


def test_unit_home_sees_only_its_own_scope(demo):
    anyang_claim(demo, courses=1)
    other_unit = demo.role("ay_yizhong")
    summary = claims_home(other_unit, THIS_YEAR, timezone.localdate())
    assert (summary.total, summary.chart_total) == (0, 0)


def test_unit_home_empty_chart_says_so(client, demo):
    act_as(client, demo.role("ay_yiyuan"))
    page, _ = get_home(client)
    assert "近一个月没有提交的申报" in page
    assert "home-chart.js" not in page


def test_supervisor_home_counts_its_subtree(demo):
    approve_all(demo, anyang_claim(demo, courses=1))
    summary = claims_home(demo.role("ay_xiehui"), THIS_YEAR, timezone.localdate())
    assert (summary.total, summary.reviewed) == (1, 1)


def test_unit_home_queries_do_not_grow_with_claims(client, demo):
    act_as(client, demo.role("ay_yiyuan"))
    anyang_claim(demo, courses=1)
    _, few = get_home(client)
    for _ in range(15):
        anyang_claim(demo, courses=1)
    approve_all(demo, anyang_claim(demo, courses=1))
    returned(demo)
    _, many = get_home(client)
    assert few == many, (few, many)


def test_a_xinjiang_units_home_counts_yearly_applications(client, demo_claims):
    """Issue 14 item 6 (seed 004's unit home: 2023年度申请书统计 全部申报数 / 全部已审核数 /
    待审核数): where hours are certified by a yearly application, the unit's home counts
    applications, not per-activity claims, and charts their submissions."""
    role = demo_claims.role("xj_xju")
    today = timezone.localdate()
    home = claims_home(role, today.year, today)
    assert home.noun == "学时认定申请书"
    assert home.total >= 1 and home.pending >= 1 and home.in_queue >= 1
    act_as(client, role)
    page = client.get(reverse("core:home")).content.decode()
    assert f"{today.year} 年度学时认定申请书" in page
    assert reverse("applications:queue") in page
