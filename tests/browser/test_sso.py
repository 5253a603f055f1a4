"""Single sign-on in a real browser: the login page offers the region's unified identity service,
the person logs in and consents there (the test provider on loopback, tests/oidc_provider/) and
lands on their home in xueshi; an unknown ID number is told the way to register."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.oidc_provider import server
from tests.oidc_provider.people import KNOWN, PROVIDER_NAME, PROVIDER_PASSWORD, xinjiang_on
from xueshi.accounts.models import User
from xueshi.accounts.services import person_create
from xueshi.accounts.tests.factories import user_of

from .pages import UI

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def xinjiang_sso(settings: Any, server_url: str, oidc_provider: server.Provider) -> None:
    xinjiang_on(oidc_provider, server_url, settings)


def provider_login(ui: UI, username: str) -> None:
    """At the provider: its login form, then its consent page."""
    page = ui.page
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PROVIDER_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("button", name="Authorize").click()


def test_a_person_signs_in_with_the_provincial_service(
    anonymous: Callable[..., UI], xinjiang_sso: None, viewport: str
) -> None:
    person = person_create(id_number=KNOWN, name="阿依古丽")
    User.objects.filter(pk=user_of(person).pk).update(must_change_password=False)
    ui = anonymous(viewport)
    ui.expect_text("其他方式登录").shot("login-with-sso", group="登录", caption="其他方式登录")
    ui.page.get_by_role("link", name=PROVIDER_NAME).click()
    provider_login(ui, "known")
    ui.expect_heading("您好，阿依古丽").shot("home-after-sso")


def test_an_unknown_id_number_is_shown_the_way_to_register(
    anonymous: Callable[..., UI], xinjiang_sso: None
) -> None:
    ui = anonymous()
    ui.page.get_by_role("link", name=PROVIDER_NAME).click()
    provider_login(ui, "unknown")
    ui.expect_heading("统一身份认证登录未成功").expect_text("在本平台没有账号")
    ui.shot("sso-unknown-id-number").axe()
    ui.page.get_by_role("link", name="前往注册").click()
    assert "/accounts/sso/" not in ui.page.url
