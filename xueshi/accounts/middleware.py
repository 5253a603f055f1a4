from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from .otp import has_second_factor, is_verified, second_factor_needed
from .roles import ACTIVE_ROLE_SESSION_KEY, user_roles


class ActiveRoleMiddleware:
    """Puts the role the user is acting in on `request.active_role` (None when logged out)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.active_role = None  # type: ignore[attr-defined]
        request.available_roles = []  # type: ignore[attr-defined]
        if request.user.is_authenticated:
            roles = user_roles(request.user)
            chosen_id = request.session.get(ACTIVE_ROLE_SESSION_KEY)
            active = next((role for role in roles if role.pk == chosen_id), None)
            request.available_roles = roles  # type: ignore[attr-defined]
            request.active_role = active or (roles[0] if roles else None)  # type: ignore[attr-defined]
        return self.get_response(request)


class ForcePasswordChangeMiddleware:
    """Until an initial password is changed, every page leads to the change form."""

    allowed_prefixes = (
        "/accounts/password/",
        "/accounts/otp/",
        "/accounts/logout/",
        "/static/",
        "/captcha/",
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(self.allowed_prefixes)
        ):
            return redirect(reverse("accounts:password_change"))
        return self.get_response(request)


SESSION_STARTED_KEY = "auth_started_at"
SESSION_EXPIRED = "登录已超过 %(hours)d 小时，为保障账号安全，请重新登录。"


class SessionLifetimeMiddleware:
    """The absolute session lifetime: SESSION_ABSOLUTE_HOURS after the login the session ends,
    however active (the idle limit is the cookie age, pushed forward by every request)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            started = request.session.get(SESSION_STARTED_KEY)
            hours = settings.SESSION_ABSOLUTE_HOURS
            if started is None:
                request.session[SESSION_STARTED_KEY] = time.time()
            elif time.time() - float(started) > hours * 3600:
                logout(request)
                messages.info(request, SESSION_EXPIRED % {"hours": hours})
                return redirect_to_login(request.get_full_path(), reverse(settings.LOGIN_URL))
        return self.get_response(request)


class OTPRequiredMiddleware:
    """A login that needs a second factor (admins; anyone who enrolled) reaches no page but
    the enrolment or the code page until the code is given (xueshi/accounts/otp.py)."""

    allowed_prefixes = (
        "/accounts/otp/",
        "/accounts/login/",
        "/accounts/logout/",
        "/static/",
        "/captcha/",
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(self.allowed_prefixes)
            and not is_verified(request)
            and second_factor_needed(user, getattr(request, "available_roles", None))
        ):
            target = "accounts:otp_verify" if has_second_factor(user) else "accounts:otp_setup"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
