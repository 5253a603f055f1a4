"""Zhejiang construction's journeys (seed 003, 学员—学时登记操作说明), in a browser.

钱伟 of 浙江省建工集团有限责任公司 declares a training course: 认定内容说明 is limited to 33
characters, at most 5 images of evidence. He submits (学员上报); his enterprise (zj_jiangong,
企业审核) approves and passes it on; the province (zj_jst, 省级终审) approves it for good, or
rejects a second claim with a reason (省级审核不通过).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import expect

from .pages import UI, open_trail, settle, table_row

REGISTER = "浙江建设 · 学时登记与图片佐证"
REVIEW = "浙江建设 · 企业审核与省级终审"

CATEGORY = "认定类别"  # profiles/zhejiang_construction.yaml category_label (seed 003)
COURSE = "参加培训班、研修班或进修班学习"
ENTERPRISE = "浙江省建工集团有限责任公司"
PROVINCE = "浙江省住房和城乡建设厅（建设行业学时办）"
LIMIT_ERROR = "认定内容说明最多 33 个字"
SIXTH_REFUSED = "最多上传 5 张图片"
REJECT_REASON = "佐证材料不足：结业证书未加盖培训机构公章，请补充后重新登记"

# 34 characters: one more than the seed's "附件说明限33个字".
TOO_LONG = "参加浙江省建筑施工安全生产管理专题培训并取得结业证书，五天含实地观摩"
FITS = "参加建筑施工安全生产管理专题培训，取得结业证书"


# ---------------------------------------------------------------------------------------------
# Helpers of this file (the shared ones are in pages.py)
# ---------------------------------------------------------------------------------------------


def png_images(folder: Path, count: int) -> list[Path]:
    """`count` small, distinct PNG files (scanned certificates, as far as the server can tell)."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(1, count + 1):
        path = folder / f"结业证书-{n}.png"
        Image.new("RGB", (48, 32), (40 * n % 256, 120, 200)).save(path)
        paths.append(path)
    return paths


def fill_course(ui: UI, title: str, hours: str, description: str) -> None:
    """On 学时登记: the course, its dates and the hours he claims (Zhejiang: typed, ≤ 60)."""
    ui.field(CATEGORY).select_option(label=COURSE)
    expect(ui.field("认定内容")).to_be_visible()  # the category's fields came in (HTMX)
    ui.fill("认定内容", title)
    ui.fill("开始时间", "2026-04-13")
    ui.fill("结束时间", "2026-04-17")
    ui.fill("申请学时", hours)
    ui.field("申请学时").press("Tab")  # the live hours follow on change
    ui.fill("认定内容说明", description)
    ui.field("认定内容说明").press("Tab")
    expect(ui.page.locator("#hours-block [data-hours]")).to_have_text(hours)
    settle(ui, leave_field=False)


def upload(ui: UI, files: list[Path]) -> None:
    ui.field("选择文件（可多选）").set_input_files(files)
    ui.page.locator("#attachments-block").get_by_role("button", name="上传", exact=True).click()


def declare_and_submit(ui: UI, title: str, hours: str, images: list[Path]) -> None:
    """A complete claim with its evidence, saved then submitted to the enterprise."""
    ui.open_menu("学时登记")
    fill_course(ui, title, hours, FITS)
    ui.click("保存暂不提交").expect_text("已保存（个人保存）")  # 种子：审核状态为个人保存
    upload(ui, images)
    ui.expect_text(f"已上传附件（{len(images)}）")
    ui.click("保存并提交").expect_text(f"已提交至{ENTERPRISE}（企业审核），请等待审核。")


def open_for_review(reviewer: UI, title: str, level: str) -> None:
    """From 专业科目学时审核, the claim's 详情 at the reviewer's level."""
    reviewer.open_menu("专业科目学时审核").expect_heading(level)
    row = table_row(reviewer, title)
    expect(row).to_contain_text(level)
    row.get_by_role("link", name="详情").click()
    reviewer.page.wait_for_load_state()
    expect(reviewer.page.locator("#actions")).to_contain_text(level)


# ---------------------------------------------------------------------------------------------
# Journeys
# ---------------------------------------------------------------------------------------------


def test_zhejiang_sixth_image_refused_then_enterprise_and_province_approve(
    as_user: Callable[..., UI], tmp_path: Path
) -> None:
    me = as_user("钱伟")
    me.open_menu("学时登记").expect_heading("学时登记")
    fill_course(me, "建筑施工安全生产管理专题培训班", "32", "")
    description = me.field("认定内容说明")
    description.press_sequentially(TOO_LONG)  # typed: the browser stops at the 33rd character
    assert len(TOO_LONG) == 34
    expect(description).to_have_value(TOO_LONG[:33])
    me.expect_text("附件说明限33个字")
    # A browser that ignores maxlength (the 360 browser's compatibility mode) sends all 34:
    # the server refuses them in Chinese and keeps what he typed.
    description.evaluate("field => field.removeAttribute('maxlength')")
    description.fill(TOO_LONG)
    description.press("Tab")
    settle(me, leave_field=False)
    me.click("保存暂不提交")
    me.expect_text(LIMIT_ERROR)
    expect(me.field("认定内容")).to_have_value("建筑施工安全生产管理专题培训班")
    expect(me.field("申请学时")).to_have_value("32")
    me.shot(
        "description-too-long",
        publish="zj-register-01-description-limit",
        group=REGISTER,
        caption="认定内容说明超过 33 个字：提示并保留已填内容",
        phone_too=True,
    )

    me.fill("认定内容说明", FITS).field("认定内容说明").press("Tab")
    settle(me, leave_field=False)
    me.click("保存暂不提交").expect_text("已保存（个人保存）")  # 种子：审核状态为个人保存
    images = png_images(tmp_path / "evidence", 6)
    me.fill("附件说明", "培训结业证书（盖章页）")  # 种子：“附件说明限33个字”
    upload(me, images[:5])
    me.expect_text("已上传 5 个文件")
    me.expect_text("已上传附件（5）")
    upload(me, images[5:])
    me.expect_text(SIXTH_REFUSED)
    me.expect_text(f"“{images[5].name}”未上传")
    me.expect_text("已上传附件（5）")
    me.shot(
        "sixth-image-refused",
        publish="zj-register-02-sixth-image",
        group=REGISTER,
        caption="上传第 6 张图片：最多上传 5 张图片",
        phone_too=True,
    )

    me.click("保存并提交").expect_text(f"已提交至{ENTERPRISE}（企业审核），请等待审核。")
    # 种子：“提交后审核状态显示个人上报”
    expect(table_row(me, "建筑施工安全生产管理专题培训班")).to_contain_text("个人上报")
    me.shot(
        "submitted",
        publish="zj-register-03-submitted",
        group=REGISTER,
        caption="个人上报（企业审核）",
        phone_too=True,
    )

    enterprise = as_user("zj_jiangong")
    open_for_review(enterprise, "建筑施工安全生产管理专题培训班", "企业审核")
    files = enterprise.page.locator("section", has_text="佐证材料").locator("li")
    expect(files).to_have_count(5)
    chain = enterprise.page.locator("section", has_text="审核流程").locator(".xs-chain > li")
    expect(chain).to_have_count(2)
    expect(chain.nth(0)).to_contain_text("企业审核")
    expect(chain.nth(0)).to_contain_text("当前环节")
    expect(chain.nth(1)).to_contain_text("省级终审")
    expect(chain.nth(1)).to_contain_text(PROVINCE)
    enterprise.shot(
        "enterprise-detail",
        publish="zj-review-01-enterprise-detail",
        group=REVIEW,
        caption="企业审核：申报详情、5 张佐证图片、审核流程",
        phone_too=True,
    )
    enterprise.page.locator("#actions").get_by_role("button", name="通过", exact=True).click()
    enterprise.page.wait_for_load_state()
    enterprise.expect_text("已通过钱伟的申报“建筑施工安全生产管理专题培训班”，已转入下一级审核。")

    province = as_user("zj_jst")
    province.open_menu("专业科目学时审核").expect_heading("省级终审")
    expect(table_row(province, "建筑施工安全生产管理专题培训班")).to_contain_text("省级终审")
    province.shot(
        "province-queue",
        publish="zj-review-02-province-queue",
        group=REVIEW,
        caption="企业审核通过后进入省级终审",
        phone_too=True,
    )
    open_for_review(province, "建筑施工安全生产管理专题培训班", "省级终审")
    province.page.locator("#actions").get_by_role("button", name="通过", exact=True).click()
    province.page.wait_for_load_state()
    province.expect_text("审核完成（终审通过，批准 32 学时）")

    me.open_menu("申报进度查询")
    row = table_row(me, "建筑施工安全生产管理专题培训班")
    expect(row).to_contain_text("终审通过")  # 种子：“省级审核分为终审通过和省级审核不通过”
    trail = open_trail(me, "建筑施工安全生产管理专题培训班")
    final = trail.locator(".trail li").last
    expect(final).to_contain_text("省级终审")
    expect(final).to_contain_text("终审通过")
    expect(final).to_contain_text("批准 32 学时")
    me.shot(
        "final-approved",
        publish="zj-review-03-final-approved",
        group=REVIEW,
        caption="终审通过，批准 32 学时",
        phone_too=True,
    )
    me.axe()

    # The status tabs speak Zhejiang's words, not the platform's (issue 13 item 1).
    tabs = me.page.get_by_role("navigation", name="按状态筛选")
    for word in ("个人保存", "个人上报", "企业审核通过", "企业审核不通过", "终审通过"):
        expect(tabs).to_contain_text(word)
    for platform_word in ("待提交", "待审核", "已退回", "不予认定"):
        expect(tabs).not_to_contain_text(platform_word)
    tabs.get_by_role("link", name=re.compile("^终审通过")).click()
    me.page.wait_for_load_state()
    expect(table_row(me, "建筑施工安全生产管理专题培训班")).to_contain_text("终审通过")
    me.shot(
        "list-own-words",
        publish="zj-review-06-list-own-words",
        group=REVIEW,
        caption="申报进度查询：个人保存、个人上报、企业审核通过……浙江自己的状态用语",
        phone_too=True,
    )


def test_zhejiang_province_rejects_with_a_reason(
    as_user: Callable[..., UI], tmp_path: Path
) -> None:
    me = as_user("钱伟")
    declare_and_submit(me, "BIM 技术应用研修班", "16", png_images(tmp_path, 1))

    enterprise = as_user("zj_jiangong")
    enterprise.open_menu("专业科目学时审核")
    row = table_row(enterprise, "BIM 技术应用研修班")
    row.get_by_role("button", name="通过", exact=True).click()  # HTMX: the row shows the result
    expect(enterprise.page.locator("tbody tr", has_text="BIM 技术应用研修班")).to_contain_text(
        "省级终审"
    )

    province = as_user("zj_jst")
    open_for_review(province, "BIM 技术应用研修班", "省级终审")
    actions = province.page.locator("#actions")
    actions.get_by_role("button", name="不予认定", exact=True).click()  # no reason yet
    province.page.wait_for_load_state()
    province.expect_text("未能不予认定：请按提示修改后重新提交。")
    reason = province.page.locator("#actions").get_by_label(re.compile("^不予认定原因"))
    expect(reason).to_have_attribute("aria-invalid", "true")
    province.expect_text("请填写原因。")
    reason.fill(REJECT_REASON)
    province.shot(
        "province-rejects",
        publish="zj-review-04-province-reject",
        group=REVIEW,
        caption="省级审核不通过：原因必填，填写后不予认定",
        phone_too=True,
    )
    province.page.locator("#actions").get_by_role("button", name="不予认定", exact=True).click()
    province.page.wait_for_load_state()
    province.expect_text("已对钱伟的申报“BIM 技术应用研修班”作出不予认定。")

    me.open_menu("申报进度查询")
    expect(table_row(me, "BIM 技术应用研修班")).to_contain_text("省级审核不通过")
    trail = open_trail(me, "BIM 技术应用研修班")
    final = trail.locator(".trail li").last
    expect(final).to_contain_text("省级终审")
    expect(final).to_contain_text("省级审核不通过")
    expect(final).to_contain_text(REJECT_REASON)
    me.shot(
        "rejected-with-reason",
        publish="zj-review-05-rejected-list",
        group=REVIEW,
        caption="省级审核不通过及原因",
        phone_too=True,
    )


def test_zhejiang_only_a_reported_learner_declares(as_user: Callable[..., UI]) -> None:
    """Seed 003: “省属企业学员需企业管理员统一上报学员信息开通省属管理权限，如您是自行注册的省属
    企业学员，请您联系本企业管理员” — 冯军 has not been reported: no 学时登记 for him until the
    enterprise admin reports him; then he is prompted to 学时登记 after login."""
    feng = as_user("冯军")
    feng.expect_text("请您联系本企业管理员")
    feng.shot(
        "not-reported",
        publish="zj-register-00-not-reported",
        group=REGISTER,
        caption="未经企业上报的学员：提示联系本企业管理员，不能进入学时登记",
        phone_too=True,
    )
    feng.goto("/declarations/new/")  # 学时登记 sends him back home with the seed's words
    feng.expect_text("处理完毕后方有权限进行学时认定登记")
    expect(feng.page.get_by_label(CATEGORY)).to_have_count(0)

    enterprise = as_user("zj_jiangong")
    enterprise.open_menu("专业技术人员管理")
    row = table_row(enterprise, "冯军")
    row.get_by_role("button", name=re.compile("^上报开通")).click()
    enterprise.page.wait_for_load_state()
    enterprise.expect_text("已上报并开通 冯军 的学时登记权限。")
    expect(table_row(enterprise, "冯军")).to_contain_text("已上报")

    feng.goto("/")
    feng.expect_text("您已开通省属管理权限，请进入学时登记。")
    feng.click("进入学时登记", role="link").expect_heading("学时登记")


def test_zhejiang_department_grants_provincial_access(as_user: Callable[..., UI]) -> None:
    """Seed 003: “由主管部门审批后，方可登录进入学时登记” — the department's page of its
    enterprises, each with its 省属管理权限, withdrawn only after a confirmation."""
    province = as_user("zj_jst")
    province.open_menu("单位学时登记权限").expect_heading("单位学时登记权限")
    row = table_row(province, ENTERPRISE)
    expect(row).to_contain_text("已开通")
    province.shot(
        "access-list",
        publish="zj-register-00b-department-grants",
        group=REGISTER,
        caption="主管部门：各企业的省属管理权限（开通 / 取消）",
        phone_too=True,
    )
    province.axe()
    row.get_by_role("button", name=re.compile("^取消权限")).click()
    province.page.wait_for_load_state()
    assert any("取消后该单位学员不能再登记学时" in text for text in province.dialogs)
    province.expect_text(f"已为“{ENTERPRISE}”取消省属管理权限。")
    expect(table_row(province, ENTERPRISE)).to_contain_text("未开通")
