"""A professional's own pages: 我的信息 (edit the phone number) and 更换单位 (HTMX unit search)."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from .pages import UI


def test_my_info_refuses_a_bad_phone_and_keeps_it(
    as_user: Callable[..., UI], viewport: str
) -> None:
    ui = as_user("覃海燕", viewport=viewport)
    ui.open_menu("我的信息").expect_heading("我的信息")
    ui.shot("my-info", publish="my-info", group="我的信息", caption="我的信息").axe()

    ui.fill("联系电话", "1391234")
    ui.click("保存")
    ui.expect_text("请填写 11 位手机号或带区号的固定电话")
    expect(ui.field("联系电话")).to_have_value("1391234")
    expect(ui.field("联系电话")).to_have_attribute("aria-invalid", "true")
    ui.shot("bad-phone", publish="my-info-bad-phone", group="我的信息", caption="电话号码无效")
    ui.axe()

    ui.fill("联系电话", "13800138000")
    ui.click("保存")
    ui.expect_text("个人信息已保存。")
    expect(ui.field("联系电话")).to_have_value("13800138000")
    ui.shot("saved")


def test_change_unit_with_the_htmx_search(as_user: Callable[..., UI], viewport: str) -> None:
    ui = as_user("梁晓东", viewport=viewport)  # works at 南宁市第一中学
    ui.open_menu("更换单位").expect_heading("更换单位")
    ui.expect_text("南宁市第一中学")
    ui.shot("my-unit", publish="my-unit", group="更换单位", caption="更换单位").axe()

    search = ui.page.get_by_label("单位名称 / 统一社会信用代码 / 单位职称编码")
    search.fill("广西")
    search.press("End")  # the key-up that ends typing (an IME's too) starts the search
    results = ui.page.locator("#unit-search-results")
    row = results.get_by_role("row").filter(has_text="广西大学")
    expect(row).to_have_count(1)
    expect(ui.page).to_have_url(ui.base_url + "/orgs/my-unit/")  # swapped in, not navigated
    ui.shot("results", publish="my-unit-results", group="更换单位", caption="搜索“广西”")
    ui.axe()

    row.get_by_role("button", name="选择").click()
    expect(ui.page.locator("#chosen-unit-name")).to_have_text("广西大学")
    ui.click("保存")
    ui.expect_text("工作单位已更新为：广西大学")
    ui.shot("saved", publish="my-unit-saved", group="更换单位", caption="已更换为广西大学")
