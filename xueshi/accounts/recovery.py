"""找回密码 / 找回用户名: a one-time code sent to the person's recorded phone or e-mail.

Nothing here tells a caller whether an account exists: an unknown ID number gets the same
answer as a known one. Codes are 6 digits, stored as an SM3 digest with the user and a random
salt, live 10 minutes, die after 5 wrong tries, and are rate limited per account and per
address. Codes go out through core.messaging (e-mail, or SMS through the configured adapter).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from xueshi.core.audit import audit_record
from xueshi.core.messaging import send_text

from .backends import find_user
from .models import Person, RecoveryCode, User
from .services import user_change_password

CODE_LIFETIME = datetime.timedelta(minutes=10)
MAX_WRONG_TRIES = 5
PER_ACCOUNT_PER_HOUR = 3
PER_ADDRESS_PER_HOUR = 10
SENT = "如果该账号存在并登记了手机号或电子邮箱，验证码已发送，10 分钟内有效。"
BAD_CODE = "验证码错误或已失效，请重新获取。"
TOO_MANY = "请求过于频繁，请一小时后再试。"
CODE_TEXT = "您正在找回学时平台密码，验证码 {code}，10 分钟内有效。如非本人操作请忽略。"


@dataclass(frozen=True)
class Destination:
    channel: str  # "sms" or "email"
    address: str


def destination_of(user: User) -> Destination | None:
    """The phone recorded for the person, else the account's e-mail."""
    person = Person.objects.filter(user=user).first()
    if person is not None and person.phone:
        return Destination("sms", person.phone)
    if user.email:
        return Destination("email", user.email)
    return None


def _digest(user_id: int, salt: str, code: str) -> str:
    return hashlib.new("sm3", f"{user_id}:{salt}:{code}".encode()).hexdigest()


def _over_limit(key: str, limit: int) -> bool:
    """Count one more try under `key` this hour; True when over `limit`."""
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > limit


def _send(destination: Destination, text: str) -> None:
    send_text(destination.channel, destination.address, text)


def recovery_request(*, identifier: str, purpose: str, address: str) -> str:
    """Send a code (purpose "password") or the login name (purpose "username"); the answer is
    the same whether or not the account exists. Raises ValidationError only for the address
    limit, which says nothing about any account."""
    if _over_limit(f"recovery:address:{address}", PER_ADDRESS_PER_HOUR):
        raise ValidationError(TOO_MANY)
    user = find_user(identifier.strip())
    if user is None or not user.is_active:
        return SENT
    if _over_limit(f"recovery:account:{user.pk}", PER_ACCOUNT_PER_HOUR):
        return SENT  # silently: a different answer would tell that the account exists
    destination = destination_of(user)
    if destination is None:
        return SENT
    if purpose == "username":
        _send(destination, f"您在学时平台的登录账号：{_login_names(user)}。")
        audit_record(action="recovery.username_sent", actor=None, target=user)
        return SENT
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(8)
    with transaction.atomic():
        # A new code replaces any earlier one still alive.
        RecoveryCode.objects.filter(user=user, used_at__isnull=True).update(used_at=timezone.now())
        RecoveryCode.objects.create(
            user=user,
            salt=salt,
            digest=_digest(user.pk, salt, code),
            channel=destination.channel,
            expires_at=timezone.now() + CODE_LIFETIME,
        )
        audit_record(
            action="recovery.code_sent",
            actor=None,
            target=user,
            details={"channel": destination.channel},
        )
    _send(
        destination, f"您正在找回学时平台密码，验证码 {code}，10 分钟内有效。如非本人操作请忽略。"
    )
    return SENT


def _login_names(user: User) -> str:
    person = Person.objects.filter(user=user).first()
    if person is not None:
        return "身份证号（" + person.id_number[:6] + "********" + person.id_number[-4:] + "）"
    return user.username


def recovery_reset(*, identifier: str, code: str, new_password: str, request: Any = None) -> User:
    """Check the code and set the new password (the password rules apply)."""
    user = find_user(identifier.strip())
    if user is None:
        raise ValidationError({"code": BAD_CODE})
    with transaction.atomic():
        current = (
            RecoveryCode.objects.select_for_update()
            .filter(user=user, used_at__isnull=True, expires_at__gt=timezone.now())
            .order_by("-created_at")
            .first()
        )
        matches = current is not None and hmac.compare_digest(
            current.digest, _digest(user.pk, current.salt, code.strip())
        )
        if current is not None and not matches:
            # Counted (and committed) before refusing: the fifth wrong try kills the code.
            current.wrong_tries += 1
            if current.wrong_tries >= MAX_WRONG_TRIES:
                current.used_at = timezone.now()
            current.save(update_fields=["wrong_tries", "used_at"])
            audit_record(action="recovery.code_wrong", actor=None, target=user, result="failure")
    if current is None or not matches:
        raise ValidationError({"code": BAD_CODE})
    validate_password(new_password, user)
    with transaction.atomic():
        # Spent here and only once, even if the same code arrives twice at the same moment.
        spent = RecoveryCode.objects.filter(pk=current.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if spent != 1:
            raise ValidationError({"code": BAD_CODE})
        user_change_password(user=user, new_password=new_password, request=request)
        audit_record(action="recovery.password_reset", actor=user, target=user)
    return user
