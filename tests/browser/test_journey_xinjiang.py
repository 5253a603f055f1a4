"""新疆 (seed 004): 阿依古丽 (教授(正高), 新疆大学) fills the 学时认定申请书: the wizard
(我的信息 / 选择认定专业 / 认定单位), two sections (高级研修项目 40 + 专题讲座 20), PDF evidence,
is refused at 40 hours ("还差 20 学时"), submits at 60; 新疆大学 agrees and chooses the 提交单位
with a 推荐意见; the 认定单位 新疆维吾尔自治区教育厅 agrees (final); her 学时查询 shows 60 hours.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import expect

from .pages import UI, choose, recent_days, table_row

GROUP = "新疆 · 学时认定申请书"
CERTIFIER = "新疆维吾尔自治区教育厅"

# The smallest PDF a reader opens: one empty page.
MINIMAL_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _entry(ui: UI, item: str, fields: dict[str, str], kind: tuple[str, str]) -> None:
    """新增 in section `item`, fill the 项目信息 and save."""
    ui.page.locator(f"#{item}").get_by_role("link", name="新增").click()
    ui.page.wait_for_load_state()
    for label, value in fields.items():
        ui.fill(label, value)
    choose(ui, *kind)
    ui.click("保存").expect_text("项目信息已保存，请上传佐证材料。")


def _upload(ui: UI, title: str, evidence: Path) -> None:
    card = ui.page.locator("[id^=entry-]").filter(has_text=title)
    card.get_by_label("上传附件").set_input_files(evidence)
    card.get_by_role("button", name="上传", exact=True).click()
    ui.page.wait_for_load_state()
    ui.expect_text("佐证材料已上传。")


def test_xinjiang_application_wizard_two_sections_two_levels_and_the_ledger(
    as_user: Callable[..., UI], viewport: str, tmp_path: Path
) -> None:
    evidence = tmp_path / "知识更新专项人才培训证书.pdf"
    evidence.write_bytes(MINIMAL_PDF)
    start, end = recent_days(7)

    ayi = as_user("阿依古丽", viewport=viewport)
    ayi.open_menu("学时认定申请").expect_heading("学员申请")
    ayi.expect_text("暂无数据")
    ayi.shot("empty-list", publish="xj-01-list", group=GROUP, caption="学员申请：认定年度为当年")

    # 1 我的信息
    ayi.click("新增学时认定").expect_heading("学时认定填报引导")
    choose(ayi, "申报区域", "自治区")
    ayi.shot("wizard-1", publish="xj-02-wizard-info", group=GROUP, caption="第一步：我的信息")
    ayi.click("下一步")
    # 2 选择认定专业: the autonomous region certifies senior titles only.
    choose(ayi, "职称系列", "教师系列")
    choose(ayi, "专业", "高校教师")
    expect(ayi.field("等级").locator("option", has_text="（中级）")).to_have_count(0)
    choose(ayi, "等级", "教授（正高）")
    ayi.shot("wizard-2", publish="xj-03-wizard-track", group=GROUP, caption="第二步：选择认定专业")
    ayi.click("下一步")
    # 3 认定单位
    ayi.page.get_by_label(CERTIFIER).check()
    ayi.shot("wizard-3", publish="xj-04-wizard-certifier", group=GROUP, caption="第三步：认定单位")
    ayi.click("完成").expect_heading("学时认定内容填报")

    # Section 3: the hours box takes 3 digits ("2/3"); an end before the start is refused at the
    # field and what was typed is kept.
    title = "现代信息通信技术与数字领域融合发展"
    fields = {
        "项目标题": title,
        "组织单位": "新疆维吾尔自治区通信管理局",
        "项目开始时间": end,
        "项目结束时间": start,
        "申请学时": "1000",
    }
    ayi.page.locator("#item-3").get_by_role("link", name="新增").click()
    for label, value in fields.items():
        ayi.fill(label, value)
    expect(ayi.field("申请学时")).to_have_value("100")
    ayi.expect_text("3/3")
    choose(ayi, "项目类型", "高级研修项目")
    ayi.click("保存").expect_text("项目结束时间不能早于开始时间。")
    expect(ayi.field("项目标题")).to_have_value(title)
    ayi.shot("bad-dates", publish="xj-05-bad-input", group=GROUP, caption="结束时间早于开始时间")
    ayi.fill("项目开始时间", start).fill("项目结束时间", end).fill("申请学时", "40")
    ayi.click("保存").expect_text("项目信息已保存")
    _upload(ayi, title, evidence)

    # 40 hours: not enough.
    ayi.click("提交审核").expect_text("还差 20 学时")
    ayi.shot(
        "shortfall",
        publish="xj-06-shortfall",
        group=GROUP,
        caption="累计不足 60 学时：还差 20 学时",
    )

    # Section 5: a lecture of 20 hours.
    lecture = "提升高校教师数字化教学能力专题讲座"
    _entry(
        ayi,
        "item-5",
        {
            "标题": lecture,
            "组织单位": "新疆大学",
            "开展开始时间": end,
            "开展结束时间": end,
            "申请学时": "20",
        },
        ("类型", "专题讲座"),
    )
    _upload(ayi, lecture, evidence)
    expect(ayi.page.locator("#total-hours")).to_have_text("60")
    ayi.shot(
        "sixty", publish="xj-07-application", group=GROUP, caption="申请书：各栏目学时与总学时"
    )
    ayi.click("提交审核").expect_text("已提交审核，请等待认定结果。")

    # Level 1: 新疆大学 agrees, chooses the 提交单位 and writes a 推荐意见.
    university = as_user("xj_xju", viewport=viewport)
    university.open_menu("申请书审核").expect_heading("申请书审核")
    table_row(university, "阿依古丽").get_by_role("link", name="详情 / 信息审核").click()
    university.expect_text("紧急联系电话").expect_text("维吾尔族")
    university.page.get_by_label("同意", exact=True).check()
    choose(university, "选择提交单位", CERTIFIER)
    university.fill("推荐意见 / 退回原因", "材料齐全，同意推荐。")
    university.shot(
        "unit-review",
        publish="xj-08-unit-review",
        group=GROUP,
        caption="单位信息审核：同意并选择提交单位",
    )
    university.click("确认").expect_text("已同意。")

    # Level 2: the certifier's 同意 is final.
    certifier = as_user("xj_jyt", viewport=viewport)
    certifier.open_menu("申请书审核").expect_heading("申请书审核")
    table_row(certifier, "阿依古丽").get_by_role("link", name="详情 / 信息审核").click()
    certifier.expect_text("材料齐全，同意推荐。")
    certifier.page.get_by_label("同意", exact=True).check()
    certifier.fill("推荐意见 / 退回原因", "同意认定。")
    certifier.shot(
        "certifier-review", publish="xj-09-certifier", group=GROUP, caption="认定单位：同意认定"
    )
    certifier.click("确认").expect_text("已同意。")

    # The person's ledger: 60 professional hours this year.
    ayi.open_menu("学时认定申请")
    expect(table_row(ayi, "SQ")).to_contain_text("通过认定")
    ayi.open_menu("学时查询").expect_heading("学时查询")
    ayi.expect_text("60")
    ayi.shot(
        "ledger", publish="xj-10-ledger", group=GROUP, caption="学时查询：申请书学时计入认定年度"
    )
