from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

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

    allowed_prefixes = ("/accounts/password/", "/accounts/logout/", "/static/", "/captcha/")

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
