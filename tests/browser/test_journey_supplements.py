"""Zhejiang's 增补 (seed 003: "每年1月1日-20日对上一年度专技人员继续教育学时进行一次补登记"), in a
browser, on 5 January 2027: 钱伟 requests a supplement on his 2026 category 参加培训班… (增补申请,
confirmed; 已申请; 提交申请 → 个人申请中); his enterprise agrees (同意增补) on its decision list;
he adds (新增) a 2026 claim, saves it (个人保存) and submits it (个人上报); the enterprise, the
学时办 and 省级备案 approve; his 2026 ledger grows."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from xueshi.ledger.selectors import year_compliance
from xueshi.supplements.tests.factories import IN_WINDOW, approved_claim

from .pages import UI, queue_row, settle, table_row
from .test_journey_zhejiang import png_images, upload

GROUP = "浙江建设 · 增补申请与企业审批"
COURSE = "参加培训班、研修班或进修班学习"
ENTERPRISE = "浙江省建工集团有限责任公司"
TITLE = "补登记：建筑施工安全生产专题培训"


@pytest.fixture
def in_the_window(monkeypatch: pytest.MonkeyPatch) -> datetime.date:
    """The server's clock (timezone.localdate) on 5 January 2027."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: IN_WINDOW)
    return IN_WINDOW


def approve_at(reviewer: UI, level: str) -> None:
    reviewer.open_menu("专业科目学时审核")
    row = queue_row(reviewer, TITLE)
    expect(row).to_contain_text("增补")
    expect(row).to_contain_text(level)
    row.get_by_role("button", name="通过", exact=True).click()
    expect(reviewer.page.locator("tbody tr", has_text=TITLE)).not_to_contain_text(level)


def test_zhejiang_supplement_request_agree_add_submit_and_approve(
    demo: Any, as_user: Callable[..., UI], tmp_path: Path, in_the_window: datetime.date
) -> None:
    approved_claim(demo)  # his 2026 training course, 终审通过
    before = year_compliance(demo.person("钱伟"), 2026).total_hours

    me = as_user("钱伟")
    me.open_menu("增补申请").expect_heading("增补申请（2026年度）")
    row = table_row(me, COURSE)
    row.get_by_role("link", name="查看").click()
    me.page.wait_for_load_state()
    red = me.page.get_by_role("button", name="增补申请", exact=True)
    expect(red).to_have_class("btn btn-danger")
    me.shot(
        "request",
        publish="zj-supplement-01-request",
        group=GROUP,
        caption="已终审通过的类别：红色“增补申请”按钮（增补时间内）",
        phone_too=True,
    )
    me.axe()
    red.click()
    me.page.wait_for_load_state()
    assert any("增补申请：对2026年度" in text for text in me.dialogs)  # the confirmation
    me.expect_text("增补申请成功，状态为“已申请”")
    me.click("提交申请").expect_text("企业将收到您的增补申请")
    me.expect_text("个人申请中")
    me.shot(
        "requested",
        publish="zj-supplement-02-requested",
        group=GROUP,
        caption="提交申请后：个人申请中，企业处理前可撤销增补",
        phone_too=True,
    )

    enterprise = as_user("zj_jiangong")
    enterprise.open_menu("增补审批").expect_heading("增补审批")
    decision = table_row(enterprise, "钱伟")
    expect(decision).to_contain_text(COURSE)
    expect(decision.get_by_role("button", name="拒绝增补")).to_be_visible()
    enterprise.shot(
        "decision-list",
        publish="zj-supplement-03-decision-list",
        group=GROUP,
        caption="企业的增补审批列表：同意增补 / 拒绝增补（须填原因）",
        phone_too=True,
    )
    enterprise.axe()
    decision.get_by_role("button", name="同意增补").click()
    enterprise.page.wait_for_load_state()
    enterprise.expect_text("已同意增补")
    enterprise.expect_text("暂无待处理的增补申请")

    me.open_menu("增补申请")
    expect(table_row(me, COURSE)).to_contain_text("已处理")
    table_row(me, COURSE).get_by_role("link", name="查看").click()
    me.page.wait_for_load_state()
    me.expect_text("同意")
    me.click("新增", role="link").expect_heading("增补学时登记（2026年度）")
    me.fill("认定内容", TITLE)
    me.fill("申请学时", "12")
    me.fill("认定内容说明", "考核合格，补登记")
    me.field("认定内容说明").press("Tab")
    settle(me, leave_field=False)
    me.click("保存暂不提交").expect_text("已保存（个人保存）")
    upload(me, png_images(tmp_path, 1))
    me.expect_text("已上传附件（1）")
    me.click("保存并提交").expect_text(f"已提交至{ENTERPRISE}（企业审核），请等待审核。")
    expect(table_row(me, TITLE)).to_contain_text("个人上报")

    approve_at(enterprise, "企业审核")
    province = as_user("zj_jst")
    approve_at(province, "学时办审核")
    approve_at(province, "省级备案")

    me.open_menu("申报进度查询")
    expect(table_row(me, TITLE)).to_contain_text("终审通过")
    me.shot(
        "approved",
        publish="zj-supplement-04-approved",
        group=GROUP,
        caption="增补的学时经企业审核、学时办审核、省级备案后终审通过",
        phone_too=True,
    )
    after = year_compliance(demo.person("钱伟"), 2026).total_hours
    assert after == before + Decimal(12)
