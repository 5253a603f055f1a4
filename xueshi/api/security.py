"""Who calls: an organisation's key (Bearer) or a logged-in person's session (with CSRF).

Either way the call acts as one RoleAssignment (`request.api_role`), so the scope functions,
services and lifecycle of the pages apply unchanged. A key is limited further by its scopes;
a session by the permission registry, as on the pages.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyCookie, HttpBearer

from xueshi.accounts.models import RoleAssignment
from xueshi.accounts.permissions import active_role, role_may
from xueshi.core.audit import audit_record
from xueshi.core.exports import may_see_full_id_numbers

from .keys import SCOPE_PERMISSIONS, authenticate, sm3
from .models import ApiKey, ApiScope

# `last_used_at` is written at most this often per key (not on every call).
STAMP_EVERY = datetime.timedelta(minutes=1)


class KeyAuth(HttpBearer):
    """``Authorization: Bearer xs_…``: every use is in the audit log."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        key = authenticate(token)
        if key is None:
            return None
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > STAMP_EVERY:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        request.api_role = key.role  # type: ignore[attr-defined]
        request.api_key = key  # type: ignore[attr-defined]
        audit_record(
            action="api.key_use",
            actor=key.role.user,
            role=key.role.kind,
            request=request,
            details={"prefix": key.prefix, "method": request.method, "path": request.path},
        )
        return key


class SessionRoleAuth(APIKeyCookie):
    """The browser's session (CSRF checked on writes), acting as the session's active role."""

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not request.user.is_authenticated:
            return None
        role = active_role(request)
        if role is None:
            return None
        request.api_role = role  # type: ignore[attr-defined]
        request.api_key = None  # type: ignore[attr-defined]
        return request.user


AUTH = [KeyAuth(), SessionRoleAuth()]


def role_of(request: HttpRequest) -> RoleAssignment:
    role: RoleAssignment = request.api_role  # type: ignore[attr-defined]
    return role


def key_of(request: HttpRequest) -> ApiKey | None:
    return getattr(request, "api_key", None)


def caller_of(request: HttpRequest) -> str:
    """Whose Idempotency-Key this is: the digest of the whole key (not the guessable prefix),
    or the session's user."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return "key:" + sm3(header[7:].strip())[:32]
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return ""


def holds(request: HttpRequest, scope: ApiScope) -> bool:
    """A key: the scope is on it AND its role still holds the page permission behind it.
    A session: the role holds that permission (as on the pages)."""
    role = role_of(request)
    key = key_of(request)
    if scope == ApiScope.ID_NUMBERS_FULL:
        allowed = may_see_full_id_numbers(role.user)
        return allowed and (key is None or scope in key.scopes)
    if not role_may(role, SCOPE_PERMISSIONS[scope]):
        return False
    return key is None or scope in key.scopes


def is_session(request: HttpRequest) -> bool:
    return key_of(request) is None
