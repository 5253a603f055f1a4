"""Issue 13 item 8 (Guangxi lists) and the leftovers of items 1 and 2, each quoting its seed.

Seed 002 (Guangxi):
- person: “④新登记培训 直批量删除 ④提交至主管部门审核 ④批量提交至本单位审核” and the filter row
  “认定内容 开始时间 结束时间 查询”;
- unit: “培训名称 … 开始时间 … 结束时间 … 查询” and “⊕新登记培训 ③导入学员培训信息 盲批量删除”;
- “查看审核结果时,需要先选择审核状态, 系统设置的审核状态分为:待提交、待审核、通过认定、不予认定…
  审核内容均可进行【删除】和【查询】”.
Seed 003 (Zhejiang): “未提交数据的审核状态为个人保存”, “提交后审核状态显示个人上报”,
“企业审核状态分为“企业审核通过”和“企业审核不通过”两种”,
“省级审核分为“终审通过”…和“省级审核不通过””.
Seed 000 (Anyang): reviewers “可以进行审核和退回操作” — no 不予认定.
Seed 004 (Xinjiang): “申报人的申报材料如果符合要求,点击“同意”按钮…反之点击“退回””.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xueshi.core.models import AuditLog
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.declarations.services import DeclarationInput, declaration_save
from xueshi.orgs.tests.factories import SupervisorFactory, act_as
from xueshi.policy.words import level_outcomes
from xueshi.reports import selectors as report_selectors
from xueshi.reports.forms import read_filters
from xueshi.review.services import declaration_approve, declaration_return
from xueshi.review.tests.test_views import (
    THIS_YEAR,
    anyang_claim,
    guangxi_claim,
    text,
    zhejiang_claim,
)

pytestmark = pytest.mark.django_db


def guangxi_draft(demo, title="教学能力提升培训班", start=(1, 5), end=(1, 6), name="覃海燕"):
    role = demo.professional(name)
    return declaration_save(
        person=demo.person(name),
        data=DeclarationInput(
            "training_course",
            "by_dates",
            {
                "title": title,
                "start_date": datetime.date(THIS_YEAR, *start),
                "end_date": datetime.date(THIS_YEAR, *end),
                "description": "自治区教育厅主办",
                "credit_year": THIS_YEAR,
            },
            pledge=True,
        ),
        actor=role.user,
        role=role,
    )


def unit_draft(demo, title, name="蒙丽"):
    """广西大学 registers a claim for one of its staff (单位逐条登记)."""
    unit = demo.role("gx_gxu")
    return declaration_save(
        person=demo.person(name),
        data=DeclarationInput(
            "training_course",
            "by_dates",
            {
                "title": title,
                "start_date": datetime.date(THIS_YEAR, 3, 2),
                "end_date": datetime.date(THIS_YEAR, 3, 3),
                "description": "单位登记",
                "credit_year": THIS_YEAR,
            },
        ),
        actor=unit.user,
        role=unit,
    )


# --- 批量删除 ---------------------------------------------------------------------------------


def test_the_person_deletes_in_batch_only_what_may_be_deleted_audited(client, demo):
    first, second = guangxi_draft(demo, "一"), guangxi_draft(demo, "二")
    sent = guangxi_claim(demo, title="已提交")
    unit = demo.role("gx_gxu")
    declaration_approve(declaration_id=sent.pk, actor=unit.user, role=unit)  # no longer untouched
    act_as(client, demo.professional("覃海燕"))
    page = text(client.get(reverse("declarations:list")))
    assert "批量删除" in page and "确定删除所勾选的申报吗？" in page  # asked before deleting
    response = client.post(
        reverse("declarations:delete_many"),
        {"ids": [first.pk, second.pk, sent.pk]},
        follow=True,
    )
    html = text(response)
    assert "已删除 2 条，1 条未能删除，原因见下表。" in html
    assert "删除结果" in html
    assert set(Declaration.objects.values_list("title", flat=True)) == {"已提交"}
    deleted = AuditLog.objects.filter(action="declaration.delete")
    assert set(deleted.values_list("target_id", flat=True)) == {str(first.pk), str(second.pk)}


def test_the_unit_deletes_in_batch_the_claims_it_registered_and_no_other(client, demo):
    mine = unit_draft(demo, "单位登记的培训")
    persons = guangxi_draft(demo, "本人登记的培训")
    act_as(client, demo.role("gx_gxu"))
    page = text(client.get(reverse("declarations:list")))
    assert "批量删除" in page
    client.post(reverse("declarations:delete_many"), {"ids": [mine.pk, persons.pk]})
    assert not Declaration.objects.filter(pk=mine.pk).exists()
    assert Declaration.objects.filter(pk=persons.pk).exists()  # only the declarant deletes it
    # Another unit's claim is not even seen.
    act_as(client, demo.role("gx_nnyz"))
    client.post(reverse("declarations:delete_many"), {"ids": [persons.pk]})
    assert Declaration.objects.filter(pk=persons.pk).exists()


# --- 开始时间 / 结束时间, 培训名称 ----------------------------------------------------------------


def test_the_person_filters_by_start_and_end_time(client, demo):
    guangxi_draft(demo, "一月培训", (1, 5), (1, 6))
    guangxi_draft(demo, "五月培训", (5, 4), (5, 8))
    act_as(client, demo.professional("覃海燕"))
    url = reverse("declarations:list")
    page = text(client.get(url, {"start": f"{THIS_YEAR}-03-01"}))
    assert "五月培训" in page and "一月培训" not in page
    page = text(client.get(url, {"end": f"{THIS_YEAR}-03-01"}))
    assert "一月培训" in page and "五月培训" not in page
    assert 'name="start"' in page and 'name="end"' in page
    assert "开始时间" in page and "结束时间" in page
    page = text(client.get(url, {"start": "2025-13-40"}))
    assert "开始时间“2025-13-40”不是有效日期" in page
    assert "一月培训" in page and "五月培训" in page  # ignored, said so, nothing hidden
    page = text(client.get(url, {"start": f"{THIS_YEAR}-12-01"}))
    assert "没有符合条件的申报" in page


def test_the_unit_filters_by_training_name(client, demo):
    unit_draft(demo, "高校教师信息化教学能力培训班")
    unit_draft(demo, "财务人员继续教育")
    act_as(client, demo.role("gx_gxu"))
    page = text(client.get(reverse("declarations:list"), {"title": "信息化"}))
    assert "培训名称" in page
    assert "高校教师信息化教学能力培训班" in page and "财务人员继续教育" not in page


def test_the_filtered_list_asks_no_query_per_row(client, demo):
    guangxi_draft(demo, "一")
    act_as(client, demo.professional("覃海燕"))
    url = reverse("declarations:list")
    query = {"start": f"{THIS_YEAR}-01-01", "end": f"{THIS_YEAR}-12-31"}
    with CaptureQueriesContext(connection) as one:
        client.get(url, query)
    for title in ("二", "三", "四"):
        guangxi_draft(demo, title)
    with CaptureQueriesContext(connection) as four:
        client.get(url, query)
    assert len(four) == len(one)


# --- 审核结果: every status, 删除 and 查询 --------------------------------------------------------


def test_results_show_every_status_and_claims_at_the_final_level(client, demo):
    guangxi_draft(demo, "待提交的培训")
    waiting = guangxi_claim(demo, title="待审核的培训")
    at_final = guangxi_claim(demo, title="终审中的培训")
    unit = demo.role("gx_gxu")
    declaration_approve(declaration_id=at_final.pk, actor=unit.user, role=unit)
    act_as(client, unit)
    page = text(client.get(reverse("review:results")))
    for title in ("待提交的培训", "待审核的培训", "终审中的培训"):
        assert title in page
    # “审核状态分为:待提交、待审核、通过认定、不予认定”
    for word in ("待提交", "待审核", "通过认定", "不予认定"):
        assert f">{word}</option>" in page
    drafts = text(client.get(reverse("review:results"), {"status": "draft"}))
    assert "待提交的培训" in drafts and "待审核的培训" not in drafts
    assert waiting.status == DeclarationStatus.PENDING
    assert "查询" in page


def test_results_offer_delete_where_the_lifecycle_allows(client, demo):
    mine = unit_draft(demo, "单位登记待提交")
    persons = guangxi_draft(demo, "本人登记待提交")
    act_as(client, demo.role("gx_gxu"))
    page = text(client.get(reverse("review:results")))
    delete_mine = reverse("declarations:delete", args=[mine.pk])
    assert f'action="{delete_mine}"' in page
    assert "删除后学员需要重新登记" in page  # asked before deleting
    assert f'action="{reverse("declarations:delete", args=[persons.pk])}"' not in page
    client.post(delete_mine, {"next": reverse("review:results")})
    assert not Declaration.objects.filter(pk=mine.pk).exists()


def test_results_page_asks_no_query_per_row(client, demo):
    unit_draft(demo, "一")
    act_as(client, demo.role("gx_gxu"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("review:results"))
    for title in ("二", "三", "四"):
        unit_draft(demo, title)
    with CaptureQueriesContext(connection) as four:
        client.get(reverse("review:results"))
    assert len(four) == len(one)


# --- status words: Zhejiang's tabs, Anyang's filters, statistics -------------------------------


def test_zhejiang_tabs_are_its_own_words(client, demo):
    first = zhejiang_claim(demo, title="已推送省级")
    enterprise = demo.role("zj_jiangong")
    declaration_approve(declaration_id=first.pk, actor=enterprise.user, role=enterprise)
    returned = zhejiang_claim(demo, title="企业退回")
    declaration_return(
        declaration_id=returned.pk, actor=enterprise.user, role=enterprise, reason="材料不全"
    )
    zhejiang_claim(demo, title="刚上报")
    act_as(client, demo.professional("钱伟"))
    url = reverse("declarations:list")
    page = text(client.get(url))
    tabs = page[page.index('aria-label="按状态筛选"') : page.index('role="search"')]
    for word in (
        "个人保存",
        "个人上报",
        "企业审核通过",
        "企业审核不通过",
        "终审通过",
        "省级审核不通过",
    ):
        assert word in tabs
    for platform_word in ("待审核", "已退回", "不予认定", "待提交"):
        assert platform_word not in tabs
    pushed = text(client.get(url, {"status": "pending.provincial"}))
    assert "已推送省级" in pushed and "刚上报" not in pushed
    refused = text(client.get(url, {"status": "returned.enterprise"}))
    assert "企业退回" in refused and "刚上报" not in refused


def test_anyang_result_filter_lists_no_reject(client, demo):
    anyang_claim(demo)
    act_as(client, demo.role("ay_yiyuan"))
    page = text(client.get(reverse("review:results")))
    assert "不予认定" not in page
    assert ">学员已提交</option>" in page  # Anyang's first stage in its own word
    queue = text(client.get(reverse("review:queue")))
    assert "审核意见；批量退回时必须填写原因" in queue
    assert "不通过" not in queue


def test_guangxi_batch_placeholder_keeps_reject(client, demo):
    guangxi_claim(demo)
    act_as(client, demo.role("gx_gxu"))
    queue = text(client.get(reverse("review:queue")))
    assert "审核意见；批量退回或不通过时必须填写原因" in queue


def test_statistics_count_by_status_in_the_region_words(demo):
    first = zhejiang_claim(demo, title="一")
    enterprise = demo.role("zj_jiangong")
    declaration_approve(declaration_id=first.pk, actor=enterprise.user, role=enterprise)
    zhejiang_claim(demo, title="二")
    zhejiang_claim(demo, title="三")
    authority = demo.role("zj_jst")
    filters, _form = read_filters(authority, {})
    table = report_selectors.by_status(authority, filters)
    counts = {row.label: row.count for row in table.rows}
    assert counts == {"个人上报": 2, "企业审核通过": 1}


def test_xinjiang_unit_agrees_or_returns_only(demo):
    # “点击“同意”按钮…反之点击“退回””: no 不予认定 at the unit; the 认定单位 is SEED SILENT.
    version_date = datetime.date(2023, 1, 1)
    assert level_outcomes("xinjiang", version_date, "unit") == ("approve", "return")
    assert "reject" in level_outcomes("xinjiang", version_date, "certifier")


# --- the supervisor picker: region tree, paging, 添加单位 ---------------------------------------


def test_the_supervisor_picker_has_the_region_tree_paging_and_add_unit(client, demo):
    # Seed 002 (提交至主管部门审核): a tree “广西壮族自治区 南宁市 柳州市 …”, “上一页 1 2 3 … 下一页
    # 每页10条”, and “直接点击【添加单位】进行添加”.
    guangxi_draft(demo, "待提交")
    authority = demo.organization("广西壮族自治区人力资源和社会保障厅")
    for number in range(12):
        SupervisorFactory(
            name=f"柳州市第{number:02d}主管局", region_code="450202", parent=authority
        )
    act_as(client, demo.professional("覃海燕"))
    url = reverse("declarations:list")
    page = text(client.get(url, {"supervisor_q": ""}))
    picker = page[page.index('id="supervisor-picker"') :]
    for name in ("广西壮族自治区", "南宁市", "柳州市", "百色市", "崇左市"):
        assert f"</i>{name}</a>" in picker
    assert "添加单位" in picker and reverse("orgs:unit_register") in picker
    # 柳州市 in the tree: its twelve supervisors, ten to a page.
    htmx = {"HTTP_HX_REQUEST": "true"}
    first = text(client.get(url, {"supervisor_region": "4502"}, **htmx))
    assert first.count('name="supervisor"') == 10
    assert "南宁市教育局" not in first
    assert "第 1 / 2 页，共 12 条，每页 10 条" in first and "下一页" in first
    second = text(client.get(url, {"supervisor_region": "4502", "supervisor_page": "2"}, **htmx))
    assert second.count('name="supervisor"') == 2 and "上一页" in second
    nanning = text(client.get(url, {"supervisor_region": "4501"}, **htmx))
    assert "南宁市教育局" in nanning and "柳州市第00主管局" not in nanning
