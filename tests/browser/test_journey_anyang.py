"""安阳 (seed 000): a professional declares 12 courses × 15 = 180 hours; the unit, the managing
unit and the association approve; the hours reach 学时查询; the association exports statistics.
A school without a managing unit sends its claims from the unit straight to the association.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import expect

from .pages import UI, choose, list_row, queue_row, settle, type_in

GROUP = "安阳 · 学时申报与三级审核"
GROUP_TWO_LEVELS = "安阳 · 无管理单位的两级审核"
DEGREE = "参加学历、学位教育"


# --- helpers ---------------------------------------------------------------------------------


def declare_degree(ui: UI, description: str, courses: str) -> UI:
    """学时登记 → 参加学历、学位教育, `courses` in 学时系数 (the page computes 15 per course)."""
    ui.open_menu("学时登记").expect_heading("学时登记")
    choose(ui, "申报类型", DEGREE)
    ui.fill("申报描述", description)
    type_in(ui, "学时系数", courses)
    return settle(ui)


# --- journeys --------------------------------------------------------------------------------


def test_anyang_180_hours_through_unit_managing_unit_and_association(
    as_user: Callable[..., UI], viewport: str
) -> None:
    year = timezone.localdate().year
    title = "参加学位教育（临床医学硕士）"

    # 李明 declares 12 passed courses: the page computes 15 × 12 = 180 as he types.
    li = as_user("李明", viewport=viewport)
    declare_degree(li, title, "12")
    hours = li.page.locator("#hours-block")
    expect(hours.locator("[data-hours]")).to_have_text("180")
    expect(hours).to_contain_text("15 学时/门 × 12 门 = 180 学时")
    expect(li.field("申报学时")).to_have_value("180")
    expect(li.field("申报学时")).not_to_be_editable()
    li.fill("详细及附件", "郑州大学 临床医学专业学位课程 12 门，均考试合格")
    settle(li)
    li.shot(
        "form-180", publish="ay-01-declare-form", group=GROUP, caption="李明登记：12 门 × 15 = 180"
    )
    li.axe()

    li.click("保存暂不提交").expect_text("已保存（待提交）")
    expect(li.page.locator("#hours-block")).to_contain_text("15 学时/门 × 12 门 = 180 学时")
    li.click("保存并提交").expect_text("已提交至安阳市人民医院（单位审核），请等待审核。")
    row = list_row(li, title)
    expect(row).to_contain_text("学员已提交")  # 种子：“申报状态最开始为学员已提交”
    # Its status tabs: Anyang's own first stage, and no 不予认定 (reviewers 审核 or 退回 only).
    tabs = li.page.get_by_role("navigation", name="按状态筛选")
    expect(tabs).to_contain_text("学员已提交")
    expect(tabs).not_to_contain_text("不予认定")
    li.shot("submitted", publish="ay-02-submitted", group=GROUP, caption="学员已提交，待单位审核")

    # 单位审核: 安阳市人民医院 approves in its queue (the row is swapped in place).
    unit = as_user("ay_yiyuan", viewport=viewport)
    unit.open_menu("专业科目学时审核").expect_heading("单位审核")
    claim = queue_row(unit, "李明")
    expect(claim).to_contain_text(title)
    expect(claim).to_contain_text("180")
    unit.shot("unit-queue", publish="ay-03-unit-queue", group=GROUP, caption="医院的单位审核队列")
    unit.axe()
    claim.get_by_role("button", name="通过", exact=True).click()
    expect(claim).to_contain_text("已通过，转入管理单位审核")
    unit.shot("unit-approved", publish="ay-04-unit-approved", group=GROUP, caption="单位审核通过")

    # 管理单位审核: 安阳市卫生健康委员会 opens 详情 and approves there.
    health = as_user("ay_weijian", viewport=viewport)
    health.open_menu("专业科目学时审核").expect_heading("管理单位审核")
    queue_row(health, "李明").get_by_role("link", name="详情").click()
    health.expect_heading(title)
    health.expect_text("考试合格者，每门课程15学时，请在学时系数中输入课程数")
    health.expect_text("学时计算：15 学时/门 × 12 门 = 180 学时")
    health.shot(
        "review-detail", publish="ay-05-review-detail", group=GROUP, caption="管理单位审核：详情"
    )
    health.axe()
    health.click("通过").expect_text("已通过李明的申报“" + title + "”，已转入下一级审核。")

    # 协会审核: the association ticks the claim and approves it in a batch: final.
    association = as_user("ay_xiehui", viewport=viewport)
    association.open_menu("专业科目学时审核").expect_heading("协会审核")
    queue_row(association, "李明").get_by_role("checkbox").check()
    association.click("批量通过审核").expect_text("已批量通过审核 1 条申报。")
    assert any("批量通过" in text for text in association.dialogs), association.dialogs
    association.shot(
        "association-approved",
        publish="ay-06-association-approved",
        group=GROUP,
        caption="协会审核通过",
    )

    # 李明: 通过认定, 180 granted, and the trail shows the three levels.
    li.open_menu("申报进度查询")
    row = list_row(li, title)
    expect(row).to_contain_text("通过认定")
    expect(row.locator("td").nth(8)).to_have_text("180")  # 批准学时
    row.get_by_role("button", name="展开审核进度").click()
    trail = li.page.locator(".xs-trail-row:not([hidden])")
    for level in ("单位审核 · 安阳市人民医院", "管理单位审核 · 安阳市卫生健康委员会"):
        expect(trail).to_contain_text(level)
    expect(trail).to_contain_text("协会审核 · 安阳市专业技术人员继续教育协会")
    expect(trail.locator("li", has_text="审核通过")).to_have_count(3)
    expect(trail).to_contain_text("批准 180 学时")
    li.shot("trail", publish="ay-07-trail", group=GROUP, caption="通过认定，三级审核进度")

    # 学时查询: 180 professional hours this year.
    li.open_menu("学时查询").expect_heading("学时查询")
    year_row = li.page.locator("table.xs-ledger-years tbody tr").filter(
        has=li.page.get_by_role("rowheader", name=str(year))
    )
    expect(year_row.locator("td").nth(1)).to_have_text("180")  # 专业科目学时
    detail = li.page.get_by_role("row").filter(has_text=title)
    expect(detail).to_contain_text("专业科目")
    expect(detail).to_contain_text("180")
    li.shot("ledger", publish="ay-08-ledger", group=GROUP, caption="学时查询：专业科目 180 学时")
    li.axe()

    # 学时申报统计: the association sees the claim and downloads the Excel file.
    association.open_menu("学时申报统计").expect_heading("学时申报统计")
    by_category = association.page.locator("table", has_text="按申报类型统计").locator(
        "tbody tr", has_text=DEGREE
    )
    expect(by_category).to_contain_text("180")
    association.shot("statistics", publish="ay-09-statistics", group=GROUP, caption="学时申报统计")
    with association.page.expect_download() as download_info:
        association.page.get_by_role("link", name="导出申报明细（Excel）").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
    content = Path(download.path()).read_bytes()
    assert len(content) > 100 and content.startswith(b"PK"), content[:20]


def test_anyang_school_without_managing_unit_goes_to_the_association(
    as_user: Callable[..., UI], viewport: str
) -> None:
    title = "教育硕士课程学习"
    wang = as_user("王芳", viewport=viewport)  # 安阳市第一中学: no managing unit
    declare_degree(wang, title, "2")
    expect(wang.page.locator("#hours-block")).to_contain_text("15 学时/门 × 2 门 = 30 学时")
    wang.click("保存并提交").expect_text("已提交至安阳市第一中学（单位审核）")

    list_row(wang, title).get_by_role("link", name="查看").click()
    chain = wang.page.locator(".xs-chain > li")
    expect(chain).to_have_count(2)
    expect(chain.nth(0)).to_contain_text("单位审核")
    expect(chain.nth(0)).to_contain_text("安阳市第一中学")
    expect(chain.nth(1)).to_contain_text("协会审核")
    expect(chain.nth(1)).to_contain_text("安阳市专业技术人员继续教育协会")
    expect(wang.page.locator(".xs-chain")).not_to_contain_text("管理单位")
    wang.shot(
        "chain",
        publish="ay-two-levels-01-chain",
        group=GROUP_TWO_LEVELS,
        caption="王芳：两级审核流程",
    )

    school = as_user("ay_yizhong", viewport=viewport)
    school.open_menu("专业科目学时审核").expect_heading("单位审核")
    claim = queue_row(school, "王芳")
    claim.get_by_role("button", name="通过", exact=True).click()
    expect(claim).to_contain_text("已通过，转入协会审核")

    association = as_user("ay_xiehui", viewport=viewport)
    association.open_menu("专业科目学时审核").expect_heading("协会审核")
    claim = queue_row(association, "王芳")
    expect(claim).to_contain_text("安阳市第一中学")
    expect(claim).to_contain_text("协会审核")
    association.shot(
        "association-queue",
        publish="ay-two-levels-02-association",
        group=GROUP_TWO_LEVELS,
        caption="学校审核后直接到协会",
    )
