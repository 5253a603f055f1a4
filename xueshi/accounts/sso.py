"""Single sign-on with a region's unified identity service (政务服务网 统一身份认证), OpenID
Connect authorization-code flow with PKCE, built on mozilla-django-oidc (issue 17 item 5).

Configured per region in settings, keyed by the region's profile key (the profile file's stem,
the key an authority stores): ``SSO_PROVIDERS`` (JSON from the environment) says the button's
words, the issuer and the client id; each client secret comes from its own environment variable
``SSO_CLIENT_SECRET_<KEY>`` (settings ``SSO_CLIENT_SECRETS``). Why settings, not the profile:
the issuer and the client registration differ between a test, a staging and the production
deployment of the same region, whose rules (the profile) are the same; and a secret never
sits beside reviewed YAML.

The person is matched by the ID number of a configurable claim, through the lookup digest
(never the encrypted column); no account is created unless the region's entry says
``create_accounts``. A disabled or pending (inactive) account is refused. The second factor
still applies after SSO: the login leaves the session unverified, so `OTPRequiredMiddleware`
asks an admin for the code exactly as after a password.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import jwt
import requests
from django.conf import settings
from django.core import checks
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation, ValidationError
from django.http import HttpRequest
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from xueshi.core.identifiers import clean_id_number
from xueshi.core.ratelimit import limit_url
from xueshi.policy.loader import profile_keys

from .models import Person, RoleAssignment, User
from .services import person_create

# What the library reads from settings, fixed here for every region (one callback URL; PKCE
# and the nonce always on; no unsigned token; the tokens are not kept in the session).
LIBRARY_SETTINGS: dict[str, Any] = {
    "OIDC_AUTHENTICATION_CALLBACK_URL": "accounts:sso_callback",
    "OIDC_USE_PKCE": True,
    "OIDC_USE_NONCE": True,
    "OIDC_ALLOW_UNSECURED_JWT": False,
    "OIDC_STORE_ACCESS_TOKEN": False,
    "OIDC_STORE_ID_TOKEN": False,
    "OIDC_TOKEN_USE_BASIC_AUTH": False,
    "OIDC_VERIFY_KID": True,
}

# Each start or callback makes the server call the provider: limited like a login.
limit_url("accounts:sso_start", "login")
limit_url("accounts:sso_callback", "login")

# The region a visitor chose on the public home (the notices app stores it): the login page
# offers that region's provider.
PUBLIC_REGION_SESSION_KEY = "public_region"

# The session key of the library's per-login state, and ours inside each entry.
STATES_SESSION_KEY = "oidc_states"
PROVIDER_IN_STATE = "provider"
DISCOVERY_CACHE_SECONDS = 3600

# Why a login failed: the page's message (request.sso_failure holds the key).
FAILURE_MESSAGES = {
    "unknown_id_number": (
        "统一身份认证返回的身份证号在本平台没有账号。请先注册，或联系所在单位管理员添加。"
    ),
    "inactive": "该账号尚未启用（待审核）或已停用，暂不能登录。请联系所在单位管理员。",
    "other_region": (
        "该账号不属于此地区，不能通过此地区的统一身份认证登录。请选择所在地区，或使用账号密码登录。"
    ),
    "no_id_number": "统一身份认证未提供有效的身份证号，无法确认您的身份。",
    "denied": "您在统一身份认证平台取消了授权，未登录。",
    "refused": "登录请求已失效或不正确（可能已过期或被篡改），请重新登录。",
    "unavailable": "统一身份认证服务暂时无法访问，请稍后再试，或使用账号密码登录。",
}


def oidc_setting(attr: str, *args: Any) -> Any:
    """The library's settings: ours first, then Django's settings as the library reads them."""
    if attr in LIBRARY_SETTINGS:
        return LIBRARY_SETTINGS[attr]
    return import_from_settings(attr, *args)


@dataclass(frozen=True)
class SsoProvider:
    """One region's unified identity service."""

    key: str  # the region's profile key, e.g. "xinjiang"
    name: str  # the button's words, e.g. 新疆政务服务网
    issuer: str  # e.g. https://sso.example.gov.cn/oidc (discovery at /.well-known/…)
    client_id: str
    client_secret: str
    id_number_claim: str = "id_card_number"
    name_claim: str = "name"
    scopes: str = "openid profile"
    sign_algorithm: str = "RS256"
    create_accounts: bool = False
    timeout: float = 10.0

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer.rstrip('/')}/.well-known/openid-configuration"


class SsoUnavailable(Exception):
    """The provider did not answer (down, timed out, or an answer that is not OIDC)."""


class SsoRefused(Exception):
    """The provider answered, but this login may not go on (request.sso_failure says why)."""


LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
_FIELDS = {
    "name",
    "issuer",
    "client_id",
    "id_number_claim",
    "name_claim",
    "scopes",
    "sign_algorithm",
    "create_accounts",
    "timeout",
}


def sso_providers() -> dict[str, SsoProvider]:
    """Every configured provider by region key; a malformed entry stops with the reason."""
    found = {}
    secrets = getattr(settings, "SSO_CLIENT_SECRETS", {})
    for key, entry in getattr(settings, "SSO_PROVIDERS", {}).items():
        if not isinstance(entry, dict):
            raise ImproperlyConfigured(f"SSO_PROVIDERS[{key!r}] 应为对象")
        if "client_secret" in entry:
            raise ImproperlyConfigured(
                f"SSO_PROVIDERS[{key!r}] 不能包含 client_secret：请用环境变量 "
                f"SSO_CLIENT_SECRET_{key.upper()}"
            )
        unknown = set(entry) - _FIELDS
        missing = {"name", "issuer", "client_id"} - set(entry)
        if unknown or missing:
            raise ImproperlyConfigured(
                f"SSO_PROVIDERS[{key!r}]：未知项 {sorted(unknown)}，缺少 {sorted(missing)}"
            )
        issuer = urlsplit(str(entry["issuer"]))
        if issuer.scheme != "https" and issuer.hostname not in LOOPBACK_HOSTS:
            # The code, the tokens and the ID number travel this way: TLS, except on loopback
            # (the test provider).
            raise ImproperlyConfigured(f"SSO_PROVIDERS[{key!r}] 的 issuer 须为 https 地址")
        found[key] = SsoProvider(key=key, client_secret=secrets.get(key, ""), **entry)
    return found


@checks.register()
def sso_configuration_valid(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A malformed entry, a missing secret or a key no profile has stops `manage.py check`
    (and the development server) instead of the login page."""
    try:
        providers = sso_providers()
    except ImproperlyConfigured as error:
        return [checks.Error(f"统一身份认证配置有误：{error}", id="accounts.E101")]
    found: list[checks.CheckMessage] = []
    known = set(profile_keys())
    for key, provider in providers.items():
        if not provider.client_secret:
            found.append(
                checks.Error(
                    f"统一身份认证 {key!r} 缺少客户端密钥",
                    hint=f"设置环境变量 SSO_CLIENT_SECRET_{key.upper()}",
                    id="accounts.E102",
                )
            )
        if key not in known:
            found.append(
                checks.Warning(
                    f"统一身份认证 {key!r} 不是任何地区的政策配置名",
                    hint=f"可用：{', '.join(sorted(known))}",
                    id="accounts.W103",
                )
            )
    return found


def provider_for(key: str | None) -> SsoProvider | None:
    if not key:
        return None
    return sso_providers().get(key)


@dataclass(frozen=True)
class Endpoints:
    authorization: str
    token: str
    userinfo: str
    jwks: str


def discover(provider: SsoProvider) -> Endpoints:
    """The provider's endpoints from its discovery document (cached an hour). The document
    must name the configured issuer (OpenID Connect Discovery 4.3)."""
    cache_key = f"sso:discovery:{provider.discovery_url}"
    document = cache.get(cache_key)
    if document is None:
        try:
            response = requests.get(provider.discovery_url, timeout=provider.timeout)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as error:
            raise SsoUnavailable(str(error)) from error
        if not isinstance(document, dict) or document.get("issuer") != provider.issuer:
            raise SsoUnavailable("discovery document names another issuer")
        cache.set(cache_key, document, DISCOVERY_CACHE_SECONDS)
    try:
        return Endpoints(
            authorization=document["authorization_endpoint"],
            token=document["token_endpoint"],
            userinfo=document["userinfo_endpoint"],
            jwks=document["jwks_uri"],
        )
    except KeyError as error:
        raise SsoUnavailable(f"discovery document lacks {error}") from error


def fail(request: HttpRequest, reason: str) -> SsoRefused:
    request.sso_failure = reason  # type: ignore[attr-defined]
    return SsoRefused(reason)


class RegionOIDCBackend(OIDCAuthenticationBackend):
    """The library's backend, configured per login from the region's provider (put on the
    request by the callback view) instead of global settings. Any other login (a password)
    finds no provider on the request and is not this backend's."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Django builds every backend on each authenticate() and get_user(): nothing here may
        # read a provider or the network. The endpoints are set in authenticate().
        self.UserModel = User
        self.provider: SsoProvider | None = None

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        provider = getattr(request, "sso_provider", None)
        if request is None or provider is None or "nonce" not in kwargs:
            return None
        endpoints = discover(provider)
        self.provider = provider
        self.OIDC_OP_TOKEN_ENDPOINT = endpoints.token
        self.OIDC_OP_USER_ENDPOINT = endpoints.userinfo
        self.OIDC_OP_JWKS_ENDPOINT = endpoints.jwks
        self.OIDC_RP_CLIENT_ID = provider.client_id
        self.OIDC_RP_CLIENT_SECRET = provider.client_secret
        self.OIDC_RP_SIGN_ALGO = provider.sign_algorithm
        self.OIDC_RP_IDP_SIGN_KEY = None
        try:
            user: User | None = super().authenticate(request, **kwargs)
        except SsoRefused:
            return None
        return user

    def _verify_jws(self, payload: str, key: Any) -> dict[str, Any]:
        """The ID token's signature (the provider's key from its JWKS), and unlike the
        library's default also its audience (our client id), issuer and lifetime."""
        assert self.provider is not None  # noqa: S101 (set by authenticate)
        try:
            header = jwt.get_unverified_header(payload)
            if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
                raise SuspiciousOperation("ID token signed with another algorithm")
            claims: dict[str, Any] = jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.provider.client_id,
                issuer=self.provider.issuer,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise SuspiciousOperation(f"ID token refused: {error}") from error
        return claims

    def get_or_create_user(
        self, access_token: str, id_token: str, payload: dict[str, Any]
    ) -> User | None:
        assert self.provider is not None  # noqa: S101 (set by authenticate)
        request = self.request
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload.get("sub"):
            # OIDC Core 5.3.2: the userinfo answer must be about the ID token's subject.
            raise fail(request, "refused")
        claims = {**payload, **userinfo}
        try:
            id_number = clean_id_number(str(claims.get(self.provider.id_number_claim) or ""))
        except ValidationError:
            raise fail(request, "no_id_number") from None
        person = Person.objects.by_id_number(id_number).select_related("user").first()
        if person is None and self.provider.create_accounts:
            person = _person_from_claims(id_number, str(claims.get(self.provider.name_claim, "")))
        if person is None or person.user is None:
            raise fail(request, "unknown_id_number")
        if not person.user.is_active:
            raise fail(request, "inactive")
        if not belongs_to_region(person, self.provider.key):
            # A region's identity service vouches for its own people only: a token from
            # another region (a staging or looser service) must not open this account.
            raise fail(request, "other_region")
        return person.user


def belongs_to_region(person: Person, region_key: str) -> bool:
    """Whether the person works in the region (their unit's profile) or holds a role there; a
    person with no unit and no role (an account just made from this provider's claims) does."""
    regions = {
        role.organization.effective_policy_profile()
        for role in RoleAssignment.objects.filter(user=person.user).select_related("organization")
        if role.organization is not None
    }
    if person.unit is not None:
        regions.add(person.unit.effective_policy_profile())
    return not regions or region_key in regions


def _person_from_claims(id_number: str, name: str) -> Person:
    """An account made from the provider's claims (only where the region allows it): no
    unit yet ("其他单位"), and no password: the person signs in by SSO or sets one by 找回密码
    (an initial password of the ID number's last six would open the account to anyone)."""
    person = person_create(id_number=id_number, name=name.strip() or "未填写姓名")
    user = person.user
    assert user is not None  # noqa: S101 (person_create made the login)
    user.set_unusable_password()
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    return person
