"""Guangxi's journeys (seed 002, 专业科目学时登记及单位审核操作流程), in a browser.

A professional of 广西大学 (覃海燕) declares a 5-day training course: the dates fill 40 hours,
the pledge is required; she batch-submits two drafts to her unit, whose administrator (gx_gxu)
batch-rejects them with a reason. A department administrator (黄伟, 二级管理员) sees only his
school. The unit imports claims from the Excel template with one bad row. A claim the unit
approves then passes 专业科目学时终审 at 广西壮族自治区教育厅 (issue 13 item 6) and shows in her
yearly hours, short of the requirement.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from .pages import UI, open_trail, settle, table_row

REGISTER = "广西 · 登记、批量提交与单位审核"
DEPARTMENT = "广西 · 二级管理员的部门范围"
IMPORT = "广西 · 导入学员培训信息"
LEDGER = "广西 · 单位审核、专业科目学时终审与年度学时"

CATEGORY = "认定类型"  # profiles/guangxi.yaml category_label (seed 002)
# Seed 002: "认定类型: 请选择类型 请选择二级类型" — two linked selects (issue 13 item 8).
SUBCATEGORY = "二级类型"
COURSE_TYPE, COURSE = "培训进修类", "培训班"
PLEDGE = "本人承诺以上信息属实"
PLEDGE_ERROR = "请勾选“本人承诺以上信息属实”"
REJECT_REASON = "培训内容与所聘岗位专业不符，请按专业科目要求重新选择培训"


# ---------------------------------------------------------------------------------------------
# Helpers of this file (the shared ones are in pages.py)
# ---------------------------------------------------------------------------------------------


def fill_training_course(ui: UI, title: str, start: str, end: str, hours: str) -> None:
    """On 学时登记: 培训进修类 → 培训班, the course and its dates; the hours fill themselves."""
    choose_course(ui)
    expect(ui.field("认定内容")).to_be_visible()  # the category's fields came in (HTMX)
    ui.fill("认定内容", title)
    ui.fill("开始时间", start)
    ui.fill("结束时间", end)
    ui.fill("认定内容说明", "学校统一组织的专业科目培训，已取得结业证书")
    ui.field("认定内容说明").press("Tab")
    expect(ui.page.locator("#hours-block [data-hours]")).to_have_text(hours)
    expect(ui.field("申请学时")).to_have_value(hours)
    settle(ui, leave_field=False)


def choose_course(ui: UI) -> None:
    """请选择类型 (培训进修类), then its 请选择二级类型 (培训班), swapped in by HTMX."""
    ui.field(CATEGORY).select_option(label=COURSE_TYPE)
    second = ui.field(SUBCATEGORY)
    expect(second.locator("option", has_text=COURSE)).to_have_count(1)
    # The second list is swapped in by HTMX: choose only once the swap has settled (while it
    # settles the new list still carries the old one's attributes and a change goes unheard).
    expect(ui.page.locator(".htmx-request, .htmx-settling, .htmx-swapping")).to_have_count(0)
    expect(second).to_be_enabled()
    second.select_option(label=COURSE)


def declare_course(
    ui: UI, title: str, *, start: str = "2026-05-04", end: str = "2026-05-08", submit: bool
) -> None:
    """A training course from 学时登记 to 保存暂不提交 (draft) or 保存并提交 (to the unit)."""
    ui.open_menu("学时登记")
    fill_training_course(ui, title, start, end, "40")
    ui.page.get_by_label(PLEDGE).check()
    if submit:
        ui.click("保存并提交").expect_text("请等待审核")
    else:
        ui.click("保存暂不提交").expect_text("已保存（待提交）")


# ---------------------------------------------------------------------------------------------
# Journeys
# ---------------------------------------------------------------------------------------------


def test_guangxi_dates_fill_40_hours_and_the_pledge_is_required(
    as_user: Callable[..., UI], viewport: str
) -> None:
    me = as_user("覃海燕", viewport=viewport)
    me.open_menu("学时登记").expect_heading("学时登记")
    # 请选择类型 → 请选择二级类型: the second list holds only the chosen type's second levels.
    expect(me.field(CATEGORY).locator("option").first).to_have_text("请选择类型")
    expect(me.field(SUBCATEGORY)).to_be_disabled()
    me.field(CATEGORY).select_option(label="学术会议类")
    second = me.field(SUBCATEGORY)
    expect(second.locator("option")).to_have_text(
        ["请选择二级类型", "学术会议", "学术讲座", "学术访问"]
    )
    me.shot(
        "two-level-category",
        publish="gx-register-00-two-level-category",
        group=REGISTER,
        caption="认定类型：请选择类型 → 请选择二级类型（只列所选类型的二级类型）",
    )
    fill_training_course(me, "人工智能赋能高校教学培训班", "2026-05-04", "2026-05-08", "40")
    me.expect_text("2026-05-04 至 2026-05-08 共 5 天 × 2 个半天 × 4 学时 = 40 学时")
    expect(me.field("申请学时")).not_to_be_editable()  # computed by the rule, not typed
    me.shot(
        "dates-fill-40",
        publish="gx-register-01-40-hours",
        group=REGISTER,
        caption="起止日期自动计算 40 学时",
    )

    me.click("保存暂不提交")  # without the pledge
    expect(me.page.get_by_text(PLEDGE_ERROR)).to_be_visible()
    expect(me.field("认定内容")).to_have_value(
        "人工智能赋能高校教学培训班"
    )  # what she typed is kept
    expect(me.field("开始时间")).to_have_value("2026-05-04")
    expect(me.field("结束时间")).to_have_value("2026-05-08")
    expect(me.field("申请学时")).to_have_value("40")
    me.shot(
        "pledge-required",
        publish="gx-register-02-pledge-required",
        group=REGISTER,
        caption="未勾选承诺：提示并保留已填内容",
    )

    me.page.get_by_label(PLEDGE).check()
    me.click("保存暂不提交").expect_text("已保存（待提交）")
    expect(me.page.get_by_text("待提交", exact=True).first).to_be_visible()
    me.shot(
        "saved-draft",
        publish="gx-register-03-saved",
        group=REGISTER,
        caption="勾选承诺后保存为待提交",
    )


def test_guangxi_batch_submit_then_unit_batch_rejects_with_reason(
    as_user: Callable[..., UI],
) -> None:
    me = as_user("覃海燕")
    declare_course(me, "高校课程思政专题培训班", submit=False)
    declare_course(
        me, "数据科学与大数据技术培训班", start="2026-06-08", end="2026-06-12", submit=False
    )

    me.open_menu("申报进度查询").expect_heading("申报进度查询")
    me.page.get_by_label("选择“高校课程思政专题培训班”").check()
    me.page.get_by_label("选择“数据科学与大数据技术培训班”").check()
    me.shot(
        "two-drafts-ticked",
        publish="gx-register-04-batch-ticked",
        group=REGISTER,
        caption="勾选两条待提交的登记",
        phone_too=True,
    )
    me.click("批量提交至本单位审核").expect_text("已提交 2 条申报至本单位审核。")
    assert me.dialogs[-1].startswith("确定提交所勾选的申报吗")
    for title in ("高校课程思政专题培训班", "数据科学与大数据技术培训班"):
        expect(table_row(me, title)).to_contain_text("待审核")
    me.shot(
        "batch-submitted",
        publish="gx-register-05-batch-submitted",
        group=REGISTER,
        caption="批量提交至本单位审核：均为待审核",
        phone_too=True,
    )
    me.axe()

    unit = as_user("gx_gxu")
    unit.open_menu("专业科目学时审核").expect_heading("单位审核")
    unit.page.get_by_label("选择覃海燕的申报“高校课程思政专题培训班”").check()
    unit.page.get_by_label("选择覃海燕的申报“数据科学与大数据技术培训班”").check()
    unit.click("批量不通过审核")  # no reason given
    unit.expect_text("批量不通过审核必须填写不通过原因。")
    expect(unit.page.get_by_label("选择覃海燕的申报“高校课程思政专题培训班”")).to_be_checked()
    unit.shot(
        "batch-reject-needs-reason",
        publish="gx-register-06-batch-reject-refused",
        group=REGISTER,
        caption="批量不通过审核未填原因：被拒绝",
        phone_too=True,
    )

    # Retrying right here posts `next=/review/batch/` and lands on a 405 (see
    # test_guangxi_retrying_a_refused_batch_stays_on_the_queue); she reopens the queue instead.
    unit.open_menu("专业科目学时审核")
    unit.page.get_by_label("选择覃海燕的申报“高校课程思政专题培训班”").check()
    unit.page.get_by_label("选择覃海燕的申报“数据科学与大数据技术培训班”").check()
    unit.fill("审核意见 / 不通过原因", REJECT_REASON).click("批量不通过审核")
    unit.expect_text("已批量不通过审核 2 条申报。")
    unit.expect_text("暂无待审核的申报")
    unit.shot("batch-rejected", group=REGISTER)

    unit.open_menu("审核结果").expect_heading("专业科目学时审核结果")
    for title in ("高校课程思政专题培训班", "数据科学与大数据技术培训班"):
        row = table_row(unit, title)
        expect(row).to_contain_text("不予认定")
        expect(row).to_contain_text(REJECT_REASON)
    unit.shot(
        "review-results",
        publish="gx-register-07-review-results",
        group=REGISTER,
        caption="审核结果：不予认定及审核意见",
        phone_too=True,
    )

    me.open_menu("申报进度查询")
    expect(me.page.get_by_role("link", name=re.compile("不予认定\\s*2"))).to_be_visible()
    trail = open_trail(me, "高校课程思政专题培训班")
    expect(trail).to_contain_text("不予认定")
    expect(trail).to_contain_text(REJECT_REASON)
    me.shot(
        "trail-with-reason",
        publish="gx-register-08-trail-rejected",
        group=REGISTER,
        caption="申报进度查询：“+”展开，不予认定及原因",
        phone_too=True,
    )


def test_guangxi_retrying_a_refused_batch_stays_on_the_queue(as_user: Callable[..., UI]) -> None:
    me = as_user("覃海燕")
    declare_course(me, "高校教师教学基本功培训班", submit=True)
    unit = as_user("gx_gxu")
    unit.open_menu("专业科目学时审核")
    unit.page.get_by_label("选择覃海燕的申报“高校教师教学基本功培训班”").check()
    unit.click("批量不通过审核").expect_text("批量不通过审核必须填写不通过原因。")
    unit.fill("审核意见 / 不通过原因", REJECT_REASON)
    with unit.page.expect_navigation() as landed:
        unit.page.get_by_role("button", name="批量不通过审核").click()  # the natural retry
    response = landed.value
    assert response is not None and response.status == 200, response and response.status
    unit.expect_text("已批量不通过审核 1 条申报。")


def test_guangxi_department_admin_sees_only_his_school(as_user: Callable[..., UI]) -> None:
    own = as_user("覃海燕")
    declare_course(own, "计算机学院教学能力提升培训班", submit=True)
    other = as_user("蒙丽")
    declare_course(other, "政府会计制度专题培训班", submit=True)
    other_link = table_row(other, "政府会计制度专题培训班").get_by_role(
        "link", name="政府会计制度专题培训班"
    )
    other_detail = other_link.get_attribute("href") or ""
    assert re.fullmatch(r"/declarations/\d+/", other_detail), other_detail

    admin = as_user("黄伟")
    admin.page.locator(".xs-role-btn").first.click()
    expect(admin.page.locator(".xs-role-menu.show")).to_contain_text(
        "二级管理员 · 广西大学 / 计算机与电子信息学院"
    )
    admin.shot(
        "role-menu",
        full_page=False,
        publish="gx-department-01-role-menu",
        group=DEPARTMENT,
        caption="黄伟在顶栏切换为二级管理员",
        phone_too=True,
    )
    admin.page.keyboard.press("Escape")
    admin.switch_role("二级管理员").expect_text("已切换为：二级管理员")

    admin.open_menu("专业科目学时审核")
    admin.expect_text("广西大学 · 计算机与电子信息学院 · 待本级审核的专业科目学时申报")
    queue = admin.page.locator("main table tbody")
    expect(queue).to_contain_text("计算机学院教学能力提升培训班")
    expect(queue).not_to_contain_text("政府会计制度专题培训班")
    expect(queue).not_to_contain_text("蒙丽")
    admin.shot(
        "queue",
        publish="gx-department-02-queue",
        group=DEPARTMENT,
        caption="二级管理员的审核列表：仅本学院",
        phone_too=True,
    )

    admin.open_menu("专业技术人员管理").expect_text("仅能管理本部门人员")
    staff = admin.page.locator("main table tbody")
    expect(staff.locator("tr")).to_have_count(2)
    expect(staff).to_contain_text("覃海燕")
    expect(staff).to_contain_text("黄伟")
    for outsider in ("蒙丽", "陈静", "莫新"):
        expect(staff).not_to_contain_text(outsider)
    admin.shot(
        "staff",
        publish="gx-department-03-staff",
        group=DEPARTMENT,
        caption="专业技术人员管理：仅本学院 2 人",
        phone_too=True,
    )
    admin.axe()

    # Another school's claim, opened by its address: not found (not "forbidden": no hint it exists).
    pk = other_detail.strip("/").split("/")[-1]
    for path in (other_detail, f"/review/{pk}/"):
        response = admin.page.goto(admin.base_url + path)
        assert response is not None and response.status == 404, (path, response and response.status)
    # Not published: Django's bare English "Not Found" (no templates/404.html yet, see report).
    admin.shot("other-school-404")


def test_guangxi_unit_imports_claims_with_a_bad_row(
    as_user: Callable[..., UI], demo: Any, tmp_path: Path
) -> None:
    import openpyxl

    unit = as_user("gx_gxu")
    unit.open_menu("导入学员培训信息").expect_heading("导入学员培训信息")
    unit.shot(
        "import-page",
        publish="gx-import-01-page",
        group=IMPORT,
        caption="导入学员培训信息：下载模板、上传、查看结果",
        phone_too=True,
    )
    with unit.page.expect_download() as download:
        unit.click("下载导入模板", role="link")
    assert download.value.suggested_filename == "学员培训信息导入模板.xlsx"
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)

    qin, meng = demo.person("覃海燕").id_number, demo.person("蒙丽").id_number
    bad_check_digit = "0" if qin[-1] != "0" else "1"
    book = openpyxl.load_workbook(template)
    sheet = book["学员培训信息"]
    assert [c.value for c in sheet[1]][:5] == [
        "证件号码",
        "姓名",
        "认定类型",
        "申报等级",
        "认定内容",
    ]
    course = "培训进修类-培训班"
    day = datetime.date
    note = "单位统一组织，已取得结业证书"
    sheet.append(
        [
            qin,
            "覃海燕",
            course,
            None,
            "广西高校教师数字素养培训班",
            day(2026, 6, 1),
            day(2026, 6, 2),
            None,
            None,
            note,
        ]
    )
    sheet.append(
        [
            meng,
            "蒙丽",
            course,
            None,
            "政府会计准则专题培训班",
            day(2026, 6, 3),
            day(2026, 6, 3),
            None,
            None,
            note,
        ]
    )
    sheet.append(
        [
            qin[:-1] + bad_check_digit,
            "覃海燕",
            course,
            None,
            "证件号码有误的培训班",
            day(2026, 6, 4),
            day(2026, 6, 4),
            None,
            None,
            note,
        ]
    )
    filled = tmp_path / "广西大学-学员培训信息.xlsx"
    book.save(filled)

    unit.field("选择文件").set_input_files(filled)
    unit.click("确定导入").expect_heading("导入结果")
    expect(unit.page.get_by_test_id("processed")).to_have_text("3")
    expect(unit.page.get_by_test_id("created")).to_have_text("2")
    expect(unit.page.get_by_test_id("errors")).to_have_text("1")
    unit.expect_text("有 1 行未导入")
    errors = unit.page.locator("section", has_text="错误明细").locator("tbody tr")
    expect(errors).to_have_count(1)
    expect(errors.first).to_contain_text("第 4 行")
    expect(errors.first).to_contain_text("证件号码")
    expect(errors.first).to_contain_text("身份证号校验位错误")
    unit.shot(
        "import-result",
        publish="gx-import-02-result",
        group=IMPORT,
        caption="导入结果：新建 2 条，第 4 行证件号码校验位错误",
        phone_too=True,
    )
    unit.axe()

    unit.click("到单位申报记录核对并提交", role="link")
    for title in ("广西高校教师数字素养培训班", "政府会计准则专题培训班"):
        expect(table_row(unit, title)).to_contain_text("待提交")
    expect(unit.page.get_by_text("证件号码有误的培训班")).to_have_count(0)
    unit.shot(
        "imported-drafts",
        publish="gx-import-03-drafts",
        group=IMPORT,
        caption="导入的两条登记在单位申报记录中待提交",
        phone_too=True,
    )


def test_guangxi_unit_approval_counts_in_the_yearly_hours(as_user: Callable[..., UI]) -> None:
    me = as_user("覃海燕")
    declare_course(me, "新工科教学改革培训班", submit=True)
    me.expect_text("已提交至广西大学（单位审核），请等待审核。")

    unit = as_user("gx_gxu")
    unit.open_menu("专业科目学时审核")
    row = table_row(unit, "新工科教学改革培训班")
    expect(row).to_contain_text("单位审核")
    row.get_by_role("button", name="通过", exact=True).click()  # HTMX: the row becomes the result
    expect(unit.page.locator("tbody tr", has_text="新工科教学改革培训班")).to_contain_text(
        "已通过，转入专业科目学时终审"
    )
    unit.shot(
        "approved-in-queue",
        publish="gx-ledger-01-unit-approves",
        group=LEDGER,
        caption="单位审核通过，待专业科目学时终审",
        phone_too=True,
    )

    final = as_user("gx_jyt")
    final.open_menu("专业科目学时审核")
    row = table_row(final, "新工科教学改革培训班")
    expect(row).to_contain_text("专业科目学时终审")
    row.get_by_role("button", name="通过", exact=True).click()
    expect(final.page.locator("tbody tr", has_text="新工科教学改革培训班")).to_contain_text(
        "通过认定"
    )

    me.open_menu("学时查询").expect_heading("学时查询")
    year = me.page.locator("table.xs-ledger-years tbody tr", has_text="2026")
    expect(year.locator("td").nth(1)).to_have_text("40")  # 专业科目学时 (公需 is column 0)
    expect(year).to_contain_text("未达标")
    detail = me.page.locator("#year-detail")
    expect(detail).to_contain_text("未达标")
    expect(detail).to_contain_text("40 / 90 学时")
    expect(detail).to_contain_text("还差 50 学时：总学时差 50，专业科目差 20，公需科目差 30")
    expect(detail.locator("tbody")).to_contain_text("新工科教学改革培训班")
    me.shot(
        "yearly-hours",
        publish="gx-ledger-02-year",
        group=LEDGER,
        caption="学时查询：2026 年专业科目 40 学时，未达标，还差 50",
        phone_too=True,
    )


def test_guangxi_submits_to_a_supervising_department(as_user: Callable[..., UI]) -> None:
    """提交至主管部门审核: the claim goes to 南宁市教育局 picked in the search, not to the unit."""
    me = as_user("覃海燕")
    declare_course(me, "中小学信息技术教师培训班", submit=False)
    me.open_menu("申报进度查询")
    me.page.get_by_label("选择“中小学信息技术教师培训班”").check()
    me.page.locator("#supervisor-picker summary").click()
    search = me.page.get_by_role("searchbox", name="主管部门名称")
    search.fill("南宁")  # the list follows the typing (HTMX, 400 ms after the last input)
    settle(me, leave_field=False)  # a late answer would redraw the list and drop the choice
    picker = me.page.locator("#supervisor-picker")
    expect(picker.get_by_label("南宁市教育局")).to_be_visible()
    expect(picker.get_by_label("广西壮族自治区教育厅")).to_have_count(0)
    picker.get_by_label("南宁市教育局").check()
    me.shot(
        "supervisor-picker",
        publish="gx-register-09-supervisor-picker",
        group=REGISTER,
        caption="提交至主管部门审核：搜索并选择南宁市教育局",
        phone_too=True,
    )
    picker.get_by_role("button", name="确定提交").click()
    me.expect_text("已提交 1 条申报至南宁市教育局审核。")
    expect(table_row(me, "中小学信息技术教师培训班")).to_contain_text("待审核")
    trail = open_trail(me, "中小学信息技术教师培训班")
    expect(trail).to_contain_text("南宁市教育局")

    bureau = as_user("gx_nnjyj")
    bureau.open_menu("专业科目学时审核")
    expect(table_row(bureau, "中小学信息技术教师培训班")).to_contain_text("覃海燕")
    bureau.shot(
        "bureau-queue",
        publish="gx-register-10-supervisor-queue",
        group=REGISTER,
        caption="南宁市教育局的审核列表收到该申报",
        phone_too=True,
    )
