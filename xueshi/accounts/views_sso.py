"""Single sign-on pages: the start (redirect to the region's provider) and the callback.

Thin subclasses of mozilla-django-oidc's views: the provider is the region's (from the URL at
the start, from the session's state entry at the callback), and a failure is a page with a
clear message and an audit row instead of a bare redirect or a 500.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.generic import View
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from xueshi.core.audit import audit_record
from xueshi.core.models import AuditResult

from . import selectors, services
from .sso import (
    FAILURE_MESSAGES,
    PROVIDER_IN_STATE,
    STATES_SESSION_KEY,
    SsoProvider,
    SsoUnavailable,
    discover,
    oidc_setting,
    provider_for,
)

FAILURE_STATUS = {"unavailable": 503, "refused": 400}


def _register_url() -> str:
    # Person registration (注册) is the registration helper's page; until it exists the public
    # home (which links to it) is the way there.
    for name in ("accounts:register", "core:home"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return "/"


def sso_failed(
    request: HttpRequest, provider: SsoProvider | None, reason: str, detail: str = ""
) -> HttpResponse:
    """The failure page, audited with the provider and the reason (never the ID number)."""
    audit_record(
        action="auth.sso_login",
        request=request,
        result=AuditResult.FAILURE,
        details={
            "provider": provider.key if provider is not None else "",
            "reason": reason,
            **({"detail": detail[:200]} if detail else {}),
        },
    )
    context = {
        "provider": provider,
        "reason": reason,
        "message": FAILURE_MESSAGES.get(reason, FAILURE_MESSAGES["refused"]),
        "register_url": _register_url() if reason == "unknown_id_number" else "",
    }
    status = FAILURE_STATUS.get(reason, 403)
    return render(request, "accounts/sso_failed.html", context, status=status)


class SsoStartView(OIDCAuthenticationRequestView):
    """/accounts/sso/<region key>/: to the region's provider, with state, nonce and PKCE."""

    get_settings = staticmethod(oidc_setting)

    def __init__(self, **kwargs: Any) -> None:
        # The library reads the endpoint here from global settings; ours depends on the region.
        View.__init__(self, **kwargs)

    def get(self, request: HttpRequest, key: str) -> HttpResponse:
        provider = provider_for(key)
        if provider is None:
            raise Http404("本地区未开通统一身份认证登录。")
        try:
            endpoints = discover(provider)
        except SsoUnavailable as error:
            return sso_failed(request, provider, "unavailable", str(error))
        self.OIDC_OP_AUTH_ENDPOINT = endpoints.authorization
        self.OIDC_RP_CLIENT_ID = provider.client_id
        self.scopes = provider.scopes
        response: HttpResponse = super().get(request)
        # The callback finds the region again by the state it gets back.
        state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
        request.session[STATES_SESSION_KEY][state][PROVIDER_IN_STATE] = provider.key
        request.session.modified = True
        return response

    def get_extra_params(self, request: HttpRequest) -> dict[str, str]:
        # The library takes the scopes from a global setting; the region's replace them.
        return {"scope": self.scopes}


class SsoCallbackView(OIDCAuthenticationCallbackView):
    """/accounts/sso/callback/: the library checks the state, exchanges the code (with the
    PKCE verifier), verifies the ID token (RS256 via the JWKS, nonce) and authenticates
    through `RegionOIDCBackend`; here the region is found and failures are explained."""

    get_settings = staticmethod(oidc_setting)

    def get(self, request: HttpRequest) -> HttpResponse:
        state = request.GET.get("state", "")
        entry = request.session.get(STATES_SESSION_KEY, {}).get(state)
        provider = provider_for(entry.get(PROVIDER_IN_STATE)) if isinstance(entry, dict) else None
        if provider is None:
            # A state this session never sent: tampered, replayed or from another browser.
            return sso_failed(request, None, "refused", "unknown state")
        request.sso_provider = provider  # type: ignore[attr-defined]
        self.provider = provider
        if request.GET.get("error"):
            # Refused at the provider: the library forgets the state and calls login_failure.
            request.sso_failure = "denied"  # type: ignore[attr-defined]
        try:
            response: HttpResponse = super().get(request)
        except SsoUnavailable as error:
            return sso_failed(request, provider, "unavailable", str(error))
        except requests.HTTPError as error:
            # The provider refused the code (4xx: used, expired, wrong verifier) or failed.
            failed = error.response is not None and error.response.status_code >= 500
            return sso_failed(request, provider, "unavailable" if failed else "refused", str(error))
        except requests.RequestException as error:
            return sso_failed(request, provider, "unavailable", str(error))
        except SuspiciousOperation as error:
            return sso_failed(request, provider, "refused", str(error))
        return response

    def login_success(self) -> HttpResponse:
        response: HttpResponse = super().login_success()
        request = self.request
        # As after a password: the session starts in the user's first role.
        role = selectors.first_role_of_user(request.user)
        if role is not None:
            services.role_activate(request=request, role=role, audit=False)
        audit_record(
            action="auth.sso_login",
            actor=request.user,
            request=request,
            target=request.user,
            details={"provider": self.provider.key},
        )
        return response

    def login_failure(self) -> HttpResponse:
        reason = getattr(self.request, "sso_failure", "refused")
        return sso_failed(self.request, self.provider, reason)
