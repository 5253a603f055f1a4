"""The second factor: TOTP (an authenticator app's six-digit code) with recovery codes.

Required for the authority and platform administrators and the three separated duties
(system, security and audit admin), optional for everyone else (issue 21 item 1). A user who
must have it and has not enrolled is led to enrolment at the first login; a user with a
confirmed device gives a code (or a recovery code, each usable once) after the password.
`OTPRequiredMiddleware` holds every other page until then. Every step is audited.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import Any, cast

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
from django_otp import login as otp_session_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from xueshi.core.audit import audit_record
from xueshi.core.models import AuditResult

from .models import RoleKind, User
from .services import NOT_ON_ONESELF, user_sessions_end

# Whose account must have a second factor: roles that see a whole region or the platform.
TOTP_REQUIRED_KINDS = frozenset(
    {
        RoleKind.AUTHORITY_ADMIN,
        RoleKind.PLATFORM_ADMIN,
        RoleKind.SYSTEM_ADMIN,
        RoleKind.SECURITY_ADMIN,
        RoleKind.AUDIT_ADMIN,
    }
)
TOTP_DEVICE_NAME = "动态口令"
RECOVERY_DEVICE_NAME = "恢复码"

WRONG_CODE = "动态口令或恢复码不正确，请重新输入。"


def totp_required(user: Any, roles: Iterable[Any] | None = None) -> bool:
    """Must `user` log in with a second factor? `roles` (the user's role assignments, already
    loaded by the middleware) saves a query."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    if roles is None:
        return user.roles.filter(kind__in=TOTP_REQUIRED_KINDS).exists()
    return any(role.kind in TOTP_REQUIRED_KINDS for role in roles)


def has_second_factor(user: Any) -> bool:
    """Has the user a confirmed TOTP device (enrolled)?"""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists()


def second_factor_needed(user: Any, roles: Iterable[Any] | None = None) -> bool:
    """Must this login give a code before going on: required, or enrolled by choice."""
    return totp_required(user, roles) or has_second_factor(user)


def is_verified(request: HttpRequest) -> bool:
    """Did this session give a code (django-otp's middleware reads the session)?"""
    user = getattr(request, "user", None)
    return bool(user is not None and getattr(user, "is_verified", lambda: False)())


@transaction.atomic
def totp_enrolment_start(user: User) -> TOTPDevice:
    """The unconfirmed device whose secret the enrolment page shows (the same one until it
    is confirmed, so reloading the page does not change the QR code)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def totp_secret(device: TOTPDevice) -> str:
    """The secret as the authenticator apps take it typed in (base32, no padding)."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def totp_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code (no script, no inline style)."""
    qr = segno.make(device.config_url, error="m")
    svg: str = qr.svg_inline(scale=4, title="动态口令二维码")
    return svg


def totp_enrolment_confirm(*, request: HttpRequest, device: TOTPDevice, token: str) -> list[str]:
    """Confirm the device with a code from the app; returns the new recovery codes (shown
    once). The session counts as verified from now on. Refuses a wrong code."""
    user = cast(User, request.user)
    if device.user_id != user.pk or device.confirmed:
        raise ValueError("not this user's enrolment")
    if not device.verify_token(_digits(token)):
        audit_record(
            action="otp.enrol",
            actor=user,
            request=request,
            target=user,
            result=AuditResult.FAILURE,
        )
        raise WrongCode(WRONG_CODE)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = recovery_codes_replace(user)
        audit_record(action="otp.enrol", actor=user, request=request, target=user)
    otp_session_login(request, device)
    return codes


def recovery_codes_replace(user: User) -> list[str]:
    """New recovery codes for `user` (the old ones stop working)."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.OTP_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def recovery_codes_regenerate(*, request: HttpRequest) -> list[str]:
    codes = recovery_codes_replace(request.user)  # type: ignore[arg-type]
    audit_record(action="otp.recovery_codes", actor=request.user, request=request)
    return codes


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).count()


class WrongCode(Exception):
    """The code given matched no device of the user."""


def otp_verify(*, request: HttpRequest, token: str) -> None:
    """Check a TOTP code or a recovery code for the logged-in user; on success the session is
    verified. Each device throttles repeated failures (django-otp's ThrottlingMixin); not one
    transaction, so a failure's throttle count and audit row stay when WrongCode is raised."""
    user = cast(User, request.user)
    token = token.strip().replace(" ", "")
    for device in devices_for_user(user, confirmed=True, for_verify=True):
        candidate = _digits(token) if isinstance(device, TOTPDevice) else token
        if device.verify_token(candidate):
            otp_session_login(request, device)
            audit_record(
                action="otp.verify",
                actor=user,
                request=request,
                target=user,
                details={"recovery_code": isinstance(device, StaticDevice)},
            )
            return
    audit_record(
        action="otp.verify", actor=user, request=request, target=user, result=AuditResult.FAILURE
    )
    raise WrongCode(WRONG_CODE)


@transaction.atomic
def otp_reset(*, user: User, actor: Any, reason: str = "") -> int:
    """The security admin removes a user's second factor (lost phone): the next login enrols
    again. Ends the user's sessions too. Audited; never on one's own account."""
    if actor is None or actor.pk == user.pk:
        raise ValidationError(NOT_ON_ONESELF)
    user_sessions_end(user=user, reason="otp.reset")
    removed = 0
    for model in (TOTPDevice, StaticDevice):
        removed += model.objects.filter(user=user).delete()[1].get(model._meta.label, 0)
    audit_record(action="otp.reset", actor=actor, target=user, reason=reason)
    return removed


def otp_session_forget(request: HttpRequest) -> None:
    request.session.pop(DEVICE_ID_SESSION_KEY, None)


def _digits(token: str) -> str:
    return "".join(c for c in token if c.isdigit())[:8]
