"""The public site (issue 17): a visitor of 新疆 reads a notice and an operation guide on the
public home, registers (注册) choosing 新疆大学 in the unit search, cannot log in while the
account waits, the unit admin of 新疆大学 approves, the person logs in. A person who forgot a
password gets a code by e-mail (read from the test mail outbox: Django's locmem backend, the
live server runs in this process) and logs in with the new password. And the public home of
two regions at both widths, for the gallery."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from playwright.sync_api import expect

from .pages import UI, fill_login_form, form_field, login

GROUP = "公共门户与注册"
PASSWORD = "Tian-Shan-2026!"
NEW_PASSWORD = "Hong-Shan-2027!"
XINJIANG = "新疆维吾尔自治区人力资源和社会保障厅"
ZHEJIANG = "浙江省住房和城乡建设厅（建设行业学时办）"


@pytest.fixture
def notices(demo: Any) -> Any:
    """The demo data with the regions' published notices and policies (as `make run` has)."""
    from xueshi.portal.demo_notices import load_demo_notices

    load_demo_notices()
    return demo


def _choose_region(ui: UI, authority_name: str) -> UI:
    """The region switch of the public home, as a visitor uses it."""
    ui.goto("/")
    ui.page.get_by_label("地区", exact=True).select_option(label=authority_name)
    return ui.click("切换")


def _registrant_id_number() -> str:
    from xueshi.core.testing import make_id_number

    return make_id_number("650102", datetime.date(1992, 6, 1), 77)


def test_a_visitor_reads_registers_the_unit_approves_and_the_person_logs_in(
    anonymous: Callable[..., UI], as_user: Callable[..., UI], notices: Any
) -> None:
    visitor = anonymous("desktop")
    _choose_region(visitor, XINJIANG)
    visitor.expect_text("通知公告").expect_text("政策法规").expect_text("操作指南")

    # 通知公告: the notice's own page.
    notice = "关于做好专业技术人员继续教育学时认定工作的通知"
    visitor.click(notice, role="link", exact=False).expect_heading(notice).shot("notice")
    # 操作指南 for a person.
    visitor.home()
    visitor.click("如何登记和申报学时（专业技术人员）", role="link")
    visitor.expect_heading("如何登记和申报学时（专业技术人员）").shot("guide")

    # 注册: the home offers it in Xinjiang (seed 004 “登录 注册”).
    visitor.home()
    visitor.click("注册", role="link").expect_heading("专业技术人员注册")
    visitor.expect_text(XINJIANG)
    visitor.page.locator("#unit-search-q").fill("新疆大学")
    visitor.page.get_by_role("button", name="搜索", exact=True).click()
    choose = visitor.page.locator('[data-choose-unit][data-unit-name="新疆大学"]')
    expect(choose).to_be_visible()
    choose.click()
    expect(visitor.page.locator("#chosen-unit-name")).to_have_text("新疆大学")

    id_number = _registrant_id_number()
    visitor.fill("身份证号", id_number).fill("姓名", "热依拉").fill("手机号", "13909912345")
    visitor.fill("电子邮箱", "reyila@example.cn").fill("密码", PASSWORD).fill("确认密码", PASSWORD)
    visitor.page.get_by_role("textbox", name="验证码").fill("PASSED")
    visitor.shot(
        "register-filled", publish="register-form", group=GROUP, caption="个人注册", phone_too=True
    )
    visitor.click("提交注册")
    visitor.expect_text("注册已提交，等待“新疆大学”审核")

    # Waiting: the right password is told why; the login page stays.
    fill_login_form(visitor.page, id_number, PASSWORD)
    visitor.expect_text("账号待单位审核，审核通过后即可登录。")
    visitor.shot(
        "pending-login",
        publish="register-pending",
        group=GROUP,
        caption="待单位审核",
        phone_too=True,
    )

    # The unit admin of 新疆大学 approves in 个人注册审核.
    admin = as_user("xj_xju")
    admin.open_menu("个人注册审核").expect_heading("个人注册审核")
    row = admin.page.locator("tr", has_text="热依拉")
    expect(row).to_contain_text(id_number[:6] + "********" + id_number[-4:])
    admin.shot(
        "queue", publish="register-queue", group=GROUP, caption="单位审核个人注册", phone_too=True
    )
    row.get_by_role("button", name="通过", exact=True).click()
    admin.page.wait_for_load_state()
    admin.expect_text("已通过“热依拉”的注册申请。")
    admin.expect_text("暂无待审核的注册申请")

    # The person is told by e-mail, and logs in.
    assert any(
        "审核通过" in message.body and message.to == ["reyila@example.cn"]
        for message in mail.outbox
    )
    visitor.goto("/accounts/login/")
    fill_login_form(visitor.page, id_number, PASSWORD)
    visitor.expect_heading("您好，热依拉").shot("first-home")


def test_a_person_recovers_a_password_by_a_code_sent_by_email(
    anonymous: Callable[..., UI], demo: Any
) -> None:
    from xueshi.accounts.models import Person

    # The code goes to the recorded phone first; this person recorded only an e-mail.
    person = Person.objects.select_related("user").get(name="石磊")
    person.phone = ""
    person.save(update_fields=["phone"])
    person.user.email = "shilei@example.cn"
    person.user.save(update_fields=["email"])
    mail.outbox.clear()

    ui = anonymous("desktop")
    ui.click("找回密码", role="link").expect_heading("找回密码")
    ui.fill("身份证号或账号", person.id_number)
    ui.page.get_by_role("textbox", name="验证码").fill("PASSED")
    ui.click("获取验证码")
    ui.expect_text("验证码已发送")

    sent = [m for m in mail.outbox if m.to == ["shilei@example.cn"]]
    assert len(sent) == 1
    match = re.search(r"验证码 (\d{6})", str(sent[0].body))
    assert match is not None
    form_field(ui.page, "验证码（短信或邮件）").fill(match.group(1))
    ui.fill("新密码", NEW_PASSWORD).fill("再次输入新密码", NEW_PASSWORD)
    ui.shot(
        "reset",
        publish="recover-reset",
        group=GROUP,
        caption="找回密码：输入邮件中的验证码",
        phone_too=True,
    )
    ui.click("设置新密码")
    ui.expect_text("密码已重新设置，请用新密码登录。")

    login(ui.page, person.id_number, NEW_PASSWORD, base_url=ui.base_url)
    ui.expect_heading("您好，石磊")


@pytest.mark.parametrize(
    ("key", "authority"), [("xinjiang", XINJIANG), ("zhejiang", ZHEJIANG)], ids=["xj", "zj"]
)
def test_public_home_of_two_regions(
    anonymous: Callable[..., UI], notices: Any, viewport: str, key: str, authority: str
) -> None:
    ui = anonymous(viewport)
    _choose_region(ui, authority)
    ui.expect_text("通知公告").expect_text("年度重要时间")
    expect(ui.page.get_by_role("link", name="注册")).to_be_visible()
    ui.shot(
        "public-home",
        publish=f"public-home-{key}",
        group=GROUP,
        caption=f"公共首页（{authority}）",
    ).axe()
