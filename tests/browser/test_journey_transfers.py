"""学时转入 (issue 18 item 5) in a browser: 赵磊 left 郑州大学 (Henan) for 新疆大学 (Xinjiang).
He files his Henan hours of two years (the second year row added with HTMX), uploads Henan's
学时证明 and submits (confirmed); 新疆大学 passes it on (单位审核); the autonomous region's
人社厅 approves it; his ledger shows the hours as 转入 with the source region."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.utils import timezone
from playwright.sync_api import expect

from xueshi.transfers.tests.helpers import HENAN, PDF, move

from .pages import UI, choose, table_row

GROUP = "新疆 · 学时转入"
LAST_YEAR = timezone.localdate().year - 1


def approve(reviewer: UI, name: str, shot: str = "") -> None:
    reviewer.open_menu("学时转入审核")
    table_row(reviewer, name).get_by_role("link", name="审核").click()
    reviewer.page.wait_for_load_state()
    expect(reviewer.page.get_by_role("heading", name="审核进度")).to_be_visible()
    if shot:
        reviewer.shot(shot, publish=f"xj-transfer-02-{shot}", group=GROUP, caption="人社部门审核")
    reviewer.click("审核通过").expect_text("已审核通过。")


def test_henan_hours_transferred_to_xinjiang(
    demo: Any, as_user: Callable[..., UI], tmp_path: Path
) -> None:
    move(demo, "赵磊")
    evidence = tmp_path / "河南省继续教育学时证明.pdf"
    evidence.write_bytes(PDF)

    me = as_user("赵磊")
    me.open_menu("学时转入").expect_heading("学时转入")
    expect(me.page.get_by_text("还没有学时转入申请")).to_be_visible()
    choose(me, "原地区（本平台地区）", HENAN)
    years = me.page.locator("input[name=year]")
    years.nth(0).fill(str(LAST_YEAR))
    me.page.locator("input[name=general_hours]").nth(0).fill("30")
    me.page.locator("input[name=professional_hours]").nth(0).fill("60")
    me.click("添加年度")
    expect(years).to_have_count(2)
    years.nth(1).fill(str(LAST_YEAR - 1))
    me.page.locator("input[name=general_hours]").nth(1).fill("24")
    me.page.locator("input[name=professional_hours]").nth(1).fill("48")
    me.field("原地区证书或学时证明").set_input_files(evidence)
    me.shot("form", publish="xj-transfer-01-form", group=GROUP, caption="学时转入：填写与上传")
    me.click("提交申请").expect_text("学时转入申请已提交（待审核）")
    assert me.dialogs == ["确认提交学时转入申请吗？"]
    expect(me.page.get_by_text("新疆大学（单位审核）").first).to_be_visible()

    approve(as_user("xj_xju"), "赵磊")
    authority = as_user("xj_rst")
    approve(authority, "赵磊", shot="authority")
    authority.click("已处理", role="link")
    expect(table_row(authority, "赵磊")).to_contain_text("已转入")

    me.goto(f"/ledger/?year={LAST_YEAR}")
    records = me.page.locator("#year-detail")
    expect(records).to_contain_text(f"学时转入（原地区：{HENAN}）")
    expect(records).to_contain_text("转入")
    me.shot("ledger", publish="xj-transfer-03-ledger", group=GROUP, caption="台账：转入")
