"""Switching roles in the top bar: 陈静 is a professional and her unit's main administrator."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from .pages import UI, current_role


def test_switch_between_professional_and_unit_admin(
    as_user: Callable[..., UI], viewport: str
) -> None:
    ui = as_user("陈静", viewport=viewport)
    assert "专业技术人员" in current_role(ui.page)
    assert "我的信息" in ui.menu_labels()

    ui.page.locator(".xs-role-btn").click()
    expect(ui.page.locator(".xs-role-menu.show")).to_be_visible()
    ui.shot(
        "roles-open",
        full_page=False,
        publish="roles-open",
        group="切换角色",
        caption="角色切换菜单（陈静）",
    )
    ui.page.keyboard.press("Escape")

    ui.switch_role("单位管理员")
    ui.expect_text("已切换为：单位管理员")
    assert "单位信息" in ui.menu_labels()
    assert "我的信息" not in ui.menu_labels()
    ui.shot(
        "unit-admin",
        publish="roles-unit-admin",
        group="切换角色",
        caption="切换为单位管理员（陈静）",
    )
    ui.open_menu("单位信息").shot("unit-info")

    ui.switch_role("专业技术人员")
    ui.expect_text("已切换为：专业技术人员")
    assert "单位信息" not in ui.menu_labels()
    ui.open_menu("我的信息").expect_heading("我的信息").shot("professional-again")
