"""Each role's home page at desktop and phone widths, and its left menu (菜单 on a phone)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from .pages import UI, assert_same_row


@dataclass(frozen=True)
class Role:
    key: str  # file names: home-<key>-<viewport>.png
    who: str  # demo person or account
    title: str  # role label in the top bar
    menu_item: str  # a menu item every such role has today
    switch_to: str | None = None


ROLES = [
    Role("professional", "覃海燕", "专业技术人员", "我的信息"),
    Role("department_admin", "黄伟", "二级管理员", "单位信息", switch_to="二级管理员"),
    Role("unit_admin", "gx_gxu", "单位管理员", "单位信息"),
    Role("supervisor_admin", "gx_jyt", "主管部门管理员", "待审批单位"),
    Role("authority_admin", "gx_rst", "认定机构管理员", "待审批单位"),
    Role("platform_admin", "admin", "平台管理员", "待审批单位"),
]


@pytest.mark.parametrize("role", ROLES, ids=[r.key for r in ROLES])
def test_home_and_menu(as_user: Callable[..., UI], role: Role, viewport: str) -> None:
    ui = as_user(role.who, viewport=viewport, role=role.switch_to)
    expect(ui.page.locator(".xs-topbar .xs-role-label").first).to_contain_text(role.title)
    ui.expect_heading("您好")
    # Menu button (phone), brand, bell and user menu share the top row at every width.
    topbar = ui.page.locator(".xs-topbar")
    assert_same_row(topbar.locator(".xs-brand"), topbar.locator(".xs-user-btn"))
    caption = f"{role.title}（{role.who}）"
    ui.shot("home", publish=f"home-{role.key}", group="各角色首页", caption=caption).axe()
    if ui.is_phone:
        ui.open_phone_menu().shot(
            "menu-open",
            full_page=False,
            publish=f"menu-{role.key}",
            group="手机菜单",
            caption=caption,
        ).axe()
    ui.open_menu(role.menu_item)
    expect(ui.page.locator("#xs-sidebar.show")).to_have_count(0)
    ui.shot(f"menu-{role.menu_item}")
