"""The login page, a refused password, and the forced password change at first login."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from .pages import UI, change_password, demo_login, fill_login_form


def test_login_page(anonymous: Callable[..., UI], viewport: str) -> None:
    ui = anonymous(viewport)
    ui.expect_heading("登录")
    ui.shot("login", publish="login", group="登录", caption="登录页").axe()


def test_wrong_password_keeps_the_account(
    anonymous: Callable[..., UI], demo: object, viewport: str
) -> None:
    ui = anonymous(viewport)
    fill_login_form(ui.page, "gx_gxu", "not-the-password")
    ui.expect_text("账号或密码错误")
    expect(ui.field("账号")).to_have_value("gx_gxu")
    expect(ui.field("密码")).to_have_value("")
    ui.shot("wrong-password", publish="login-wrong-password", group="登录", caption="密码错误")


def test_first_login_forces_a_new_password(
    anonymous: Callable[..., UI], demo: object, viewport: str
) -> None:
    username, initial = demo_login("莫新")
    assert initial == username[-6:]
    ui = anonymous(viewport)
    fill_login_form(ui.page, username, initial)
    ui.expect_heading("修改密码").expect_text("请先设置新密码")
    ui.shot("forced-change", publish="first-login", group="登录", caption="首次登录须改密码")
    ui.axe()
    # Other pages wait until the password is changed.
    ui.goto("/accounts/me/")
    ui.expect_heading("修改密码")
    change_password(ui.page, initial, "Huanghe@2026")
    ui.expect_heading("您好，莫新").shot("home")
    # The new password works; the initial one no longer does.
    ui.page.context.clear_cookies()
    ui.goto("/accounts/login/")
    fill_login_form(ui.page, username, initial)
    ui.expect_text("账号或密码错误")
    fill_login_form(ui.page, username, "Huanghe@2026")
    ui.expect_heading("您好，莫新")
