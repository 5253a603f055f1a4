"""Issue 21 item 1: an admin's first login enrols a TOTP second factor (QR code, recovery
codes); the next login asks for the code; the security admin (三员分立) resets a lost one."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from .pages import UI, demo_login, enrol_second_factor, fill_login_form, give_second_factor


def test_an_admins_first_login_enrols_and_the_next_asks_for_the_code(
    anonymous: Callable[..., UI], demo: object, viewport: str
) -> None:
    username, password = demo_login("gx_rst")
    ui = anonymous(viewport)
    fill_login_form(ui.page, username, password)
    ui.expect_heading("绑定动态口令").expect_text("管理员账号")
    expect(ui.page.locator(".xs-otp-qr svg")).to_be_visible()
    ui.shot("enrol", publish="otp-enrol", group="登录", caption="管理员首次登录绑定动态口令")
    ui.axe()
    enrol_second_factor(ui.page)
    ui.expect_text("认定机构管理员")

    ui.page.context.clear_cookies()
    ui.goto("/accounts/login/")
    fill_login_form(ui.page, username, password)
    ui.expect_heading("输入动态口令")
    ui.shot("verify", publish="otp-verify", group="登录", caption="输入动态口令")
    give_second_factor(ui.page, username)
    ui.expect_text("认定机构管理员")


def test_the_security_admin_resets_a_second_factor(as_user: Callable[..., UI]) -> None:
    admin = as_user("gx_rst")  # enrols on the way in
    security = as_user("secadmin")
    security.open_menu("账号安全管理")
    security.fill("姓名、账号名或完整身份证号", "gx_rst").click("查询")
    security.click("管理", role="link")
    security.expect_text("已绑定")
    security.shot("user", publish="security-user", group="安全管理", caption="账号安全管理")
    security.click("重置动态口令")
    assert any("确定重置该账号的动态口令吗" in text for text in security.dialogs)
    security.expect_text("动态口令已重置，该账号下次登录时须重新绑定。")
    # The admin's session ended with the reset: the next page asks for a login.
    admin.goto("/declarations/")
    admin.expect_heading("登录")
    assert "/accounts/login/" in admin.page.url
