"""Single sign-on: configuration per region, the ID token checks, the links on the pages.

The round trip against a real provider is `tests/test_sso_oidc.py`; these check the parts
around it without a provider: how a region's entry is read, that the ID token's signature,
audience, issuer and algorithm are each enforced (tokens signed here with a real RSA key), and
where "其他方式登录" appears.
"""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.test import Client
from django.urls import reverse

from xueshi.accounts.sso import (
    RegionOIDCBackend,
    provider_for,
    sso_configuration_valid,
    sso_providers,
)
from xueshi.accounts.tests.factories import TEST_PASSWORD, PersonFactory, login_data
from xueshi.orgs.tests.factories import AuthorityFactory

ISSUER = "https://sso.example.gov.cn/oidc"
ENTRY = {"name": "新疆政务服务网", "issuer": ISSUER, "client_id": "xueshi"}


@pytest.fixture
def xinjiang_sso(settings: Any) -> None:
    settings.SSO_PROVIDERS = {"xinjiang": dict(ENTRY)}
    settings.SSO_CLIENT_SECRETS = {"xinjiang": "from-the-environment"}


def test_a_regions_entry_takes_its_secret_from_the_environment(xinjiang_sso: None) -> None:
    provider = provider_for("xinjiang")
    assert provider is not None
    assert provider.client_secret == "from-the-environment"
    assert provider.id_number_claim == "id_card_number" and not provider.create_accounts
    assert provider.discovery_url == f"{ISSUER}/.well-known/openid-configuration"
    assert provider_for("henan") is None


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ({**ENTRY, "client_secret": "x"}, "SSO_CLIENT_SECRET_XINJIANG"),
        ({**ENTRY, "colour": "red"}, "colour"),
        ({"name": "新疆政务服务网", "client_id": "xueshi"}, "issuer"),
        ({**ENTRY, "issuer": "http://sso.example.gov.cn/oidc"}, "https"),
    ],
)
def test_a_malformed_entry_stops_with_the_reason(settings: Any, entry: Any, words: str) -> None:
    settings.SSO_PROVIDERS = {"xinjiang": entry}
    with pytest.raises(ImproperlyConfigured, match=words):
        sso_providers()


def test_the_system_check_names_a_missing_secret_and_an_unknown_region(settings: Any) -> None:
    settings.SSO_PROVIDERS = {"xinjiang": dict(ENTRY), "atlantis": dict(ENTRY)}
    settings.SSO_CLIENT_SECRETS = {"xinjiang": "from-the-environment"}
    found = {(message.id, message.msg.split("'")[1]) for message in sso_configuration_valid()}
    assert found == {("accounts.E102", "atlantis"), ("accounts.W103", "atlantis")}
    settings.SSO_PROVIDERS = {"xinjiang": {**ENTRY, "client_secret": "x"}}
    assert [message.id for message in sso_configuration_valid()] == ["accounts.E101"]


def test_plain_http_is_accepted_on_loopback_only(settings: Any) -> None:
    settings.SSO_PROVIDERS = {"xinjiang": {**ENTRY, "issuer": "http://127.0.0.1:8125/o"}}
    assert sso_providers()["xinjiang"].issuer == "http://127.0.0.1:8125/o"


class SigningKey:
    def __init__(self) -> None:
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def token(self, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": ISSUER, "aud": "xueshi", "sub": "42", "iat": now, "exp": now + 300}
        body.update(claims)
        return jwt.encode(body, self.private, algorithm="RS256", headers={"kid": "k1"})

    @property
    def public(self) -> Any:
        return self.private.public_key()


@pytest.fixture(scope="module")
def signing_key() -> SigningKey:
    return SigningKey()


def backend_for_xinjiang() -> RegionOIDCBackend:
    backend = RegionOIDCBackend()
    backend.provider = provider_for("xinjiang")
    backend.OIDC_RP_SIGN_ALGO = "RS256"
    return backend


def test_a_good_id_token_is_accepted(xinjiang_sso: None, signing_key: SigningKey) -> None:
    claims = backend_for_xinjiang()._verify_jws(signing_key.token(nonce="n"), signing_key.public)
    assert claims["sub"] == "42" and claims["nonce"] == "n"


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "another-client"},  # issued to another platform
        {"iss": "https://elsewhere.example.com"},  # from another provider
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},  # expired
    ],
)
def test_an_id_token_for_someone_else_is_refused(
    xinjiang_sso: None, signing_key: SigningKey, claims: dict[str, Any]
) -> None:
    with pytest.raises(SuspiciousOperation):
        backend_for_xinjiang()._verify_jws(signing_key.token(**claims), signing_key.public)


def test_an_id_token_signed_by_another_key_or_algorithm_is_refused(
    xinjiang_sso: None, signing_key: SigningKey
) -> None:
    backend = backend_for_xinjiang()
    with pytest.raises(SuspiciousOperation):
        backend._verify_jws(SigningKey().token(), signing_key.public)
    forged = jwt.encode(
        {"iss": ISSUER, "aud": "xueshi", "sub": "42"},
        "a-shared-secret-of-at-least-32-bytes",
        algorithm="HS256",
    )
    with pytest.raises(SuspiciousOperation):
        backend._verify_jws(forged, signing_key.public)


@pytest.mark.django_db
def test_a_password_login_is_untouched_by_sso(xinjiang_sso: None, client: Client) -> None:
    person = PersonFactory.create()
    response = client.post(reverse("accounts:login"), login_data(person.id_number, TEST_PASSWORD))
    assert response.status_code == 302
    assert client.session["_auth_user_backend"] == "xueshi.accounts.backends.IdentifierBackend"


@pytest.mark.django_db
def test_the_login_page_offers_the_chosen_regions_provider_only(
    xinjiang_sso: None, client: Client
) -> None:
    page = client.get(reverse("accounts:login"))
    # No region chosen yet: every configured provider, by its own name.
    assert "其他方式登录" in page.text and "新疆政务服务网" in page.text
    assert reverse("accounts:sso_start", args=["xinjiang"]) in page.text
    guangxi = AuthorityFactory.create(policy_profile="guangxi", parent=None)
    xinjiang = AuthorityFactory.create(policy_profile="xinjiang", parent=None)
    session = client.session
    session["public_region"] = guangxi.pk
    session.save()
    assert "其他方式登录" not in client.get(reverse("accounts:login")).text
    session["public_region"] = xinjiang.pk
    session.save()
    assert "新疆政务服务网" in client.get(reverse("accounts:login")).text


@pytest.mark.django_db
def test_the_public_home_offers_the_regions_provider(xinjiang_sso: None, client: Client) -> None:
    xinjiang = AuthorityFactory.create(policy_profile="xinjiang", parent=None, name="新疆人社厅")
    home = client.get(reverse("core:home"), {"region": xinjiang.pk})
    assert "其他方式登录" in home.text and "新疆政务服务网" in home.text


@pytest.mark.django_db
def test_no_provider_configured_shows_nothing_and_the_start_is_404(
    settings: Any, client: Client
) -> None:
    settings.SSO_PROVIDERS = {}
    assert "其他方式登录" not in client.get(reverse("accounts:login")).text
    assert client.get(reverse("accounts:sso_start", args=["xinjiang"])).status_code == 404


@pytest.mark.django_db
def test_a_callback_with_a_state_never_sent_is_refused_and_audited(
    xinjiang_sso: None, client: Client
) -> None:
    response = client.get(reverse("accounts:sso_callback"), {"code": "abc", "state": "forged"})
    assert response.status_code == 400
    assert "被篡改" in response.text
    assert "_auth_user_id" not in client.session
