"""新疆 (seed 004): 阿依古丽 (教授(正高), 新疆大学) declares one 高级研修项目 with a PDF as
evidence; 新疆大学 approves (单位审核); the autonomous region's 人社厅, 认定单位 of senior titles,
approves: 通过认定.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import expect

from .pages import UI, choose, list_row, queue_row, recent_days, settle, type_in

GROUP = "新疆 · 专业科目学时认定"
CATEGORY = "高级研修项目、进修项目"
AUTHORITY = "新疆维吾尔自治区人力资源和社会保障厅"

# The smallest PDF a reader opens: one empty page.
MINIMAL_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def test_xinjiang_single_claim_unit_then_autonomous_region(
    as_user: Callable[..., UI], viewport: str, tmp_path: Path
) -> None:
    title = "现代信息通信技术与数字领域融合发展"
    evidence = tmp_path / "知识更新专项人才培训证书.pdf"
    evidence.write_bytes(MINIMAL_PDF)

    ayi = as_user("阿依古丽", viewport=viewport)
    ayi.open_menu("学时登记").expect_heading("学时登记")
    choose(ayi, "认定项目", CATEGORY)  # Xinjiang's word (profiles/xinjiang.yaml)
    ayi.fill("项目标题", title).fill("组织单位", "新疆维吾尔自治区通信管理局")
    choose(ayi, "项目类型", "高级研修项目")
    start, end = recent_days(7)
    ayi.fill("项目开始时间", start).fill("项目结束时间", end)

    # Four digits: refused in Chinese (the form is novalidate: no browser bubble), values kept.
    type_in(ayi, "申请学时", "1000")
    settle(ayi)
    ayi.click("保存暂不提交").expect_text("申请学时最多 3 位数")
    expect(ayi.field("申请学时")).to_have_value("1000")
    expect(ayi.field("项目标题")).to_have_value(title)
    ayi.shot(
        "too-many-digits", publish="xj-01-hours-digits", group=GROUP, caption="申请学时超过 3 位数"
    )

    type_in(ayi, "申请学时", "40")
    settle(ayi)
    expect(ayi.page.locator("#hours-block")).to_contain_text("申报人填写 40 学时")
    ayi.click("保存暂不提交").expect_text("已保存（待提交）")

    # Evidence is required before submitting; upload a PDF, then submit.
    ayi.click("保存并提交").expect_text("请上传佐证材料")
    ayi.field("选择文件（可多选）").set_input_files(evidence)
    ayi.click("上传").expect_text("已上传 1 个文件：知识更新专项人才培训证书.pdf")
    expect(ayi.page.locator("#attachments-block")).to_contain_text("PDF")
    ayi.shot("evidence", publish="xj-02-evidence", group=GROUP, caption="已上传 PDF 佐证材料")
    ayi.click("保存并提交").expect_text("已提交至新疆大学（单位审核），请等待审核。")

    # The detail page's chain: 单位审核 新疆大学 → 认定单位 人社厅 (senior title: the region).
    list_row(ayi, title).get_by_role("link", name="查看").click()
    chain = ayi.page.locator(".xs-chain > li")
    expect(chain).to_have_count(2)
    expect(chain.nth(0)).to_contain_text("新疆大学")
    expect(chain.nth(1)).to_contain_text("认定单位")
    expect(chain.nth(1)).to_contain_text(AUTHORITY)
    ayi.shot("detail", publish="xj-03-detail", group=GROUP, caption="详情：两级审核流程")

    university = as_user("xj_xju", viewport=viewport)
    university.open_menu("专业科目学时审核").expect_heading("单位审核")
    claim = queue_row(university, "阿依古丽")
    expect(claim).to_contain_text("40")
    claim.get_by_role("button", name="通过", exact=True).click()
    expect(claim).to_contain_text("已通过，转入认定单位")
    university.shot(
        "unit-approved", publish="xj-04-unit-approved", group=GROUP, caption="新疆大学审核通过"
    )

    region = as_user("xj_rst", viewport=viewport)
    region.open_menu("专业科目学时审核").expect_heading("认定单位")
    queue_row(region, "阿依古丽").get_by_role("link", name="详情").click()
    region.expect_heading(title)
    region.expect_text(evidence.name)
    region.shot(
        "review-detail", publish="xj-05-review-detail", group=GROUP, caption="人社厅审核详情"
    )
    region.click("通过").expect_text("审核完成（通过认定，批准 40 学时）")

    ayi.open_menu("申报进度查询")
    row = list_row(ayi, title)
    expect(row).to_contain_text("通过认定")
    expect(row.locator("td").nth(8)).to_have_text("40")  # 批准学时
    ayi.shot("approved", publish="xj-06-approved", group=GROUP, caption="通过认定，批准 40 学时")
