"""Logins, failed logins and lockouts in the audit log, whichever path the login took."""

from __future__ import annotations

import time
from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest

from xueshi.core.audit import audit_record, client_ip
from xueshi.core.identifiers import mask_id_number
from xueshi.core.models import AuditResult

from .middleware import SESSION_STARTED_KEY
from .models import User
from .selectors import first_role_of_user
from .services import (
    password_history_push,
    user_session_forget,
    user_session_record,
    user_sessions_end,
)


@receiver(user_logged_in, dispatch_uid="xueshi.audit.login")
def audit_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    # The session starts in the user's first role (LoginView activates it right after).
    role = first_role_of_user(user)
    audit_record(
        action="auth.login",
        actor=user,
        role=role.kind if role is not None else "",
        request=request,
        target=user,
    )


def _typed_username(credentials: dict[str, Any] | None) -> str:
    # Usernames are ID numbers or credit codes: personal data, so only the masked form is kept.
    return mask_id_number(str((credentials or {}).get("username") or ""))


@receiver(user_login_failed, dispatch_uid="xueshi.audit.login_failed")
def audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    audit_record(
        action="auth.login_failed",
        request=request,
        result=AuditResult.FAILURE,
        details={"username": _typed_username(credentials)},
    )


@receiver(user_locked_out, dispatch_uid="xueshi.audit.locked_out")
def audit_locked_out(
    sender: Any, request: HttpRequest | None, username: str | None = None, **kwargs: Any
) -> None:
    audit_record(
        action="auth.locked_out",
        request=request,
        result=AuditResult.FAILURE,
        details={"username": _typed_username({"username": username})},
    )


@receiver(user_logged_in, dispatch_uid="xueshi.sessions.login")
def remember_session(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Each login's session is remembered (to end them all at once) and timed (the absolute
    lifetime, SessionLifetimeMiddleware)."""
    session = getattr(request, "session", None)
    if session is None:
        return
    session[SESSION_STARTED_KEY] = time.time()
    if session.session_key is None:
        session.save()
    user_session_record(
        user=user, session_key=str(session.session_key), ip_address=client_ip(request)
    )


@receiver(user_logged_out, dispatch_uid="xueshi.sessions.logout")
def forget_session(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        user_session_forget(session.session_key)


@receiver(pre_save, sender=User, dispatch_uid="xueshi.password_history")
def keep_the_replaced_password(sender: Any, instance: User, **kwargs: Any) -> None:
    """Whatever changes a password (the change form, the Django admin, a command), the hash it
    replaces joins the history the PasswordHistoryValidator reads."""
    update_fields = kwargs.get("update_fields")
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    old = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if old and old != instance.password:
        password_history_push(instance, old)


@receiver(post_save, sender=User, dispatch_uid="xueshi.sessions.disabled")
def end_the_sessions_of_a_disabled_login(sender: Any, instance: User, **kwargs: Any) -> None:
    """A login disabled by any path (a unit, the security admin, the Django admin) keeps no
    session. (A login created inactive has none: no query then, for bulk imports.)"""
    if kwargs.get("created") or kwargs.get("raw"):
        return
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and "is_active" not in update_fields:
        return
    if not instance.is_active:
        user_sessions_end(user=instance, reason="account.disabled")
