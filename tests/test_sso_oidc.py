"""Single sign-on end to end against a real OpenID Connect provider on loopback (issue 17 item 5).

The provider is `tests/oidc_provider/` (django-oauth-toolkit, OIDC on, an RSA key generated at
the start) running as its own process; xueshi runs as the live server. The test drives the
whole authorization-code flow over real HTTP with `requests`: xueshi redirects to the provider,
the person logs in there and consents, the provider redirects back with a code, xueshi exchanges
it (PKCE), verifies the ID token (RS256 via the provider's JWKS, nonce, audience, issuer),
matches the ID number through its lookup digest and logs the person in. Nothing is mocked.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests

from tests.oidc_provider import server
from tests.oidc_provider.people import (
    ADMIN,
    CLIENT_ID,
    DISABLED,
    KNOWN,
    PROVIDER_PASSWORD,
    UNKNOWN,
    xinjiang_on,
)
from xueshi.accounts.models import Person, RoleAssignment, RoleKind, User
from xueshi.accounts.services import person_create
from xueshi.accounts.tests.factories import user_of
from xueshi.core.models import AuditLog, AuditResult
from xueshi.orgs.tests.factories import UnitFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def xueshi(settings: Any, live_server: Any, oidc_provider: server.Provider) -> str:
    """xueshi's address, with Xinjiang's SSO pointing at the provider, which knows xueshi's
    callback and the four people."""
    base = str(live_server.url).rstrip("/")
    xinjiang_on(oidc_provider, base, settings)
    return base


class _HiddenInputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "input" and found.get("type") == "hidden" and found.get("name"):
            self.values[str(found["name"])] = found.get("value") or ""


def hidden_inputs(html: str) -> dict[str, str]:
    parser = _HiddenInputs()
    parser.feed(html)
    return parser.values


def to_provider_and_back(
    browser: requests.Session, base: str, username: str, *, allow: bool = True
) -> str:
    """Start at xueshi, log in and consent at the provider; the callback URL it sends back."""
    start = browser.get(f"{base}/accounts/sso/xinjiang/", allow_redirects=False)
    assert start.status_code == 302, start.text
    authorize = start.headers["Location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    login_page = browser.get(authorize)  # not logged in there: its login form
    assert "统一身份认证" in login_page.text
    consent = browser.post(
        login_page.url,
        data={
            **hidden_inputs(login_page.text),
            "username": username,
            "password": PROVIDER_PASSWORD,
        },
    )
    assert consent.status_code == 200 and "学时申报平台" in consent.text, consent.text
    back = browser.post(
        consent.url,
        data={**hidden_inputs(consent.text), **({"allow": "Authorize"} if allow else {})},
        allow_redirects=False,
    )
    assert back.status_code == 302, back.text
    callback = back.headers["Location"]
    assert callback.startswith(f"{base}/accounts/sso/callback/?")
    assert parse_qs(urlsplit(callback).query)["state"] == query["state"]
    return callback


def sso_audit_rows() -> list[AuditLog]:
    return list(AuditLog.objects.filter(action="auth.sso_login").order_by("id"))


def test_a_person_logs_in_through_the_provider_matched_by_id_number(xueshi: str) -> None:
    person = person_create(id_number=KNOWN, name="阿依古丽")
    person.user.must_change_password = False
    person.user.save(update_fields=["must_change_password"])
    browser = requests.Session()
    callback = to_provider_and_back(browser, xueshi, "known")

    landed = browser.get(callback, allow_redirects=False)
    assert landed.status_code == 302 and landed.headers["Location"] == "/"
    me = browser.get(f"{xueshi}/accounts/me/", allow_redirects=False)
    assert me.status_code == 200 and "阿依古丽" in me.text
    [row] = sso_audit_rows()
    assert row.result == AuditResult.SUCCESS
    assert row.actor_id == person.user_id and row.details == {"provider": "xinjiang"}
    assert AuditLog.objects.filter(action="auth.login", actor_id=person.user_id).exists()
    assert KNOWN not in str(row.details)


def test_the_same_code_cannot_log_in_twice(xueshi: str) -> None:
    person = person_create(id_number=KNOWN, name="阿依古丽")
    User.objects.filter(pk=user_of(person).pk).update(must_change_password=False)
    browser = requests.Session()
    callback = to_provider_and_back(browser, xueshi, "known")
    assert browser.get(callback, allow_redirects=False).status_code == 302
    # The state is spent: the same callback again in this browser, or in another, is refused.
    for replaying in (browser, requests.Session()):
        replay = replaying.get(callback, allow_redirects=False)
        assert replay.status_code == 400 and "登录请求已失效或不正确" in replay.text
    stranger = requests.Session()
    stranger.get(callback, allow_redirects=False)
    me = stranger.get(f"{xueshi}/accounts/me/", allow_redirects=False)
    assert me.status_code == 302 and "/accounts/login/" in me.headers["Location"]


def test_an_unknown_id_number_gets_a_message_and_the_way_to_register(xueshi: str) -> None:
    browser = requests.Session()
    callback = to_provider_and_back(browser, xueshi, "unknown")
    page = browser.get(callback, allow_redirects=False)
    assert page.status_code == 403
    assert "在本平台没有账号" in page.text and "前往注册" in page.text
    assert UNKNOWN not in page.text
    assert not Person.objects.by_id_number(UNKNOWN).exists()  # no account made
    me = browser.get(f"{xueshi}/accounts/me/", allow_redirects=False)
    assert me.status_code == 302 and "/accounts/login/" in me.headers["Location"]
    [row] = sso_audit_rows()
    assert row.result == AuditResult.FAILURE
    assert row.details == {"provider": "xinjiang", "reason": "unknown_id_number"}


def test_where_the_region_allows_it_an_account_is_made_without_a_password(
    xueshi: str, settings: Any
) -> None:
    settings.SSO_PROVIDERS["xinjiang"]["create_accounts"] = True
    browser = requests.Session()
    callback = to_provider_and_back(browser, xueshi, "unknown")
    assert browser.get(callback, allow_redirects=False).status_code == 302
    person = Person.objects.by_id_number(UNKNOWN).select_related("user").get()
    assert person.name == "王未注册" and person.unit is None
    assert not person.user.has_usable_password() and not person.user.must_change_password
    assert browser.get(f"{xueshi}/accounts/me/").status_code == 200


def test_cancelling_at_the_provider_logs_nobody_in(xueshi: str) -> None:
    person_create(id_number=KNOWN, name="阿依古丽")
    browser = requests.Session()
    callback = to_provider_and_back(browser, xueshi, "known", allow=False)
    assert "error=access_denied" in callback
    page = browser.get(callback, allow_redirects=False)
    assert page.status_code == 403 and "取消了授权" in page.text
    me = browser.get(f"{xueshi}/accounts/me/", allow_redirects=False)
    assert me.status_code == 302 and "/accounts/login/" in me.headers["Location"]
    [row] = sso_audit_rows()
    assert row.details == {"provider": "xinjiang", "reason": "denied"}


def test_a_disabled_or_pending_account_is_refused(xueshi: str) -> None:
    person = person_create(id_number=DISABLED, name="赵停用", login_allowed=False)
    assert not person.user.is_active
    browser = requests.Session()
    page = browser.get(to_provider_and_back(browser, xueshi, "disabled"), allow_redirects=False)
    assert page.status_code == 403 and "尚未启用" in page.text
    [row] = sso_audit_rows()
    assert row.details["reason"] == "inactive" and row.result == AuditResult.FAILURE


def test_a_tampered_state_is_refused(xueshi: str) -> None:
    person_create(id_number=KNOWN, name="阿依古丽")
    browser = requests.Session()
    callback = to_provider_and_back(browser, xueshi, "known")
    parts = urlsplit(callback)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    query["state"] = query["state"][:-2] + ("AA" if not query["state"].endswith("AA") else "BB")
    tampered = urlunsplit(parts._replace(query=urlencode(query)))
    page = browser.get(tampered, allow_redirects=False)
    assert page.status_code == 400 and "被篡改" in page.text
    me = browser.get(f"{xueshi}/accounts/me/", allow_redirects=False)
    assert me.status_code == 302 and "/accounts/login/" in me.headers["Location"]
    [row] = sso_audit_rows()
    assert row.details["reason"] == "refused" and row.result == AuditResult.FAILURE


def test_a_person_of_another_region_is_not_let_in_by_this_regions_provider(xueshi: str) -> None:
    person = person_create(id_number=KNOWN, name="阿依古丽")
    person.unit = UnitFactory.create()  # a unit of a Guangxi authority
    person.save(update_fields=["unit"])
    User.objects.filter(pk=user_of(person).pk).update(must_change_password=False)
    browser = requests.Session()
    page = browser.get(to_provider_and_back(browser, xueshi, "known"), allow_redirects=False)
    assert page.status_code == 403 and "该账号不属于此地区" in page.text
    me = browser.get(f"{xueshi}/accounts/me/", allow_redirects=False)
    assert me.status_code == 302 and "/accounts/login/" in me.headers["Location"]
    [row] = sso_audit_rows()
    assert row.details == {"provider": "xinjiang", "reason": "other_region"}


def test_an_admin_still_gives_the_second_factor_after_sso(xueshi: str) -> None:
    person = person_create(id_number=ADMIN, name="李管理")
    RoleAssignment.objects.create(user=user_of(person), kind=RoleKind.PLATFORM_ADMIN)
    browser = requests.Session()
    assert (
        browser.get(
            to_provider_and_back(browser, xueshi, "admin"), allow_redirects=False
        ).status_code
        == 302
    )
    home = browser.get(f"{xueshi}/", allow_redirects=False)
    # Not enrolled yet: led to enrolment; no page before the code, as after a password.
    assert home.status_code == 302 and home.headers["Location"].startswith("/accounts/otp/setup/")
    audit = browser.get(f"{xueshi}/audit/", allow_redirects=False)
    assert audit.status_code == 302 and "/accounts/otp/" in audit.headers["Location"]


def test_a_provider_that_is_down_gives_a_clear_message(
    xueshi: str, settings: Any, oidc_provider: server.Provider
) -> None:
    person_create(id_number=KNOWN, name="阿依古丽")
    browser = requests.Session()
    # Down while the person was at the provider: the code cannot be exchanged.
    callback = to_provider_and_back(browser, xueshi, "known")
    settings.SSO_PROVIDERS["xinjiang"]["issuer"] = f"http://127.0.0.1:{server.free_port()}/o"
    page = browser.get(callback, allow_redirects=False)
    assert page.status_code == 503 and "暂时无法访问" in page.text
    # Down from the start: no redirect to nowhere.
    start = browser.get(f"{xueshi}/accounts/sso/xinjiang/", allow_redirects=False)
    assert start.status_code == 503 and "使用账号密码登录" in start.text
    assert [row.details["reason"] for row in sso_audit_rows()] == ["unavailable", "unavailable"]


def test_the_login_page_offers_the_provider(xueshi: str) -> None:
    page = requests.get(f"{xueshi}/accounts/login/", timeout=30)
    assert "其他方式登录" in page.text and "新疆政务服务网" in page.text
    assert re.search(r'href="/accounts/sso/xinjiang/"', page.text)
    # A region without SSO: 404, not a redirect to a provider.
    assert requests.get(f"{xueshi}/accounts/sso/henan/", timeout=30).status_code == 404
