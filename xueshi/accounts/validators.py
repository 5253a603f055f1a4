from __future__ import annotations

import string
from typing import Any

from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from pypinyin import lazy_pinyin

from .models import PasswordHistory, User


def character_classes(password: str) -> int:
    """How many of: lower-case letters, upper-case letters, digits, other characters."""
    classes = [
        any(c in string.ascii_lowercase for c in password),
        any(c in string.ascii_uppercase for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ]
    return sum(classes)


class CharacterClassValidator:
    """Password must mix at least `min_classes` of the four character classes."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                "密码须包含大写字母、小写字母、数字、符号中的至少 %(count)d 类。",
                code="password_too_simple",
                params={"count": self.min_classes},
            )

    def get_help_text(self) -> str:
        return f"密码须包含大写字母、小写字母、数字、符号中的至少 {self.min_classes} 类。"


# ---- issue 21 item 1: the password policy beyond length and classes -----------------------

# How many passwords back a new one may not repeat (the current one included).
PASSWORD_HISTORY_COUNT = 5
# A run of this many characters of the ID number (birth date, last six…) may not appear.
ID_NUMBER_RUN = 6


class ChineseCommonPasswordValidator(CommonPasswordValidator):
    """Django's list of 20,000 common passwords, with the message in Chinese."""

    def validate(self, password: str, user: Any = None) -> None:
        try:
            super().validate(password, user)
        except ValidationError:
            raise ValidationError(
                "该密码过于常见，容易被猜中，请换一个。", code="password_too_common"
            ) from None

    def get_help_text(self) -> str:
        return "密码不能是常见密码。"


def _person_of(user: Any) -> Any:
    if user is None or getattr(user, "pk", None) is None:
        return None
    try:
        return user.person
    except ObjectDoesNotExist:
        return None


def _is_chinese_name(text: str) -> bool:
    return 0 < len(text) <= 6 and all("\u3400" <= c <= "\u9fff" for c in text)


def name_pinyin_forms(name: str) -> set[str]:
    """The forms of a Chinese name a password may not contain: full pinyin (surname first and
    given name first) and initials, lower-case. 张三丰 → zhangsanfeng, sanfengzhang, zsf."""
    syllables = [s.lower() for s in lazy_pinyin(name) if s.isascii() and s.isalpha()]
    if len(syllables) < 2:
        return set()
    surname, given = syllables[0], syllables[1:]
    forms = {
        "".join(syllables),
        "".join(given) + surname,
        "".join(s[0] for s in syllables),
    }
    return {form for form in forms if len(form) >= 2}


class PinyinNameValidator:
    """A password may not contain the person's name in pinyin, full or as initials, in any
    case (issue 21: "the password rules accept a name in pinyin plus a year")."""

    def validate(self, password: str, user: Any = None) -> None:
        person = _person_of(user)
        name = person.name if person is not None else getattr(user, "full_name", "") or ""
        if not _is_chinese_name(name):
            return
        lowered = password.lower()
        if any(form in lowered for form in name_pinyin_forms(name)):
            raise ValidationError(
                "密码不能包含本人姓名的拼音或拼音首字母。", code="password_contains_name"
            )

    def get_help_text(self) -> str:
        return "密码不能包含本人姓名的拼音或拼音首字母。"


class IdNumberDigitsValidator:
    """A password may not contain six or more consecutive characters of the person's ID
    number: the region code, the birth date, the last six (the initial password)."""

    def __init__(self, run: int = ID_NUMBER_RUN) -> None:
        self.run = run

    def validate(self, password: str, user: Any = None) -> None:
        person = _person_of(user)
        id_number = (getattr(person, "id_number", "") or "").upper()
        if len(id_number) < self.run:
            return
        upper = password.upper()
        runs = {id_number[i : i + self.run] for i in range(len(id_number) - self.run + 1)}
        if any(run in upper for run in runs):
            raise ValidationError(
                "密码不能包含身份证号中连续 %(run)d 位及以上的数字（如出生日期、后六位）。",
                code="password_contains_id_number",
                params={"run": self.run},
            )

    def get_help_text(self) -> str:
        return f"密码不能包含身份证号中连续 {self.run} 位及以上的数字（如出生日期、后六位）。"


class PasswordHistoryValidator:
    """A new password may not be the current one nor one of the ones before it: the last
    `count` passwords in all (hashes kept in PasswordHistory)."""

    def __init__(self, count: int = PASSWORD_HISTORY_COUNT) -> None:
        self.count = count

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or getattr(user, "pk", None) is None:
            return
        if any(check_password(password, encoded) for encoded in recent_password_hashes(user)):
            raise ValidationError(
                "新密码不能与最近 %(count)d 次使用过的密码相同。",
                code="password_reused",
                params={"count": self.count},
            )

    def get_help_text(self) -> str:
        return f"新密码不能与最近 {self.count} 次使用过的密码相同。"


def recent_password_hashes(user: Any, count: int = PASSWORD_HISTORY_COUNT) -> list[str]:
    """The hashes of the user's last `count` passwords, the current one first."""
    from_db = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
    current = from_db or user.password
    older = list(
        PasswordHistory.objects.filter(user_id=user.pk)
        .exclude(password=current)
        .order_by("-id")
        .values_list("password", flat=True)[: count - 1]
    )
    return [encoded for encoded in [current, *older] if encoded]
