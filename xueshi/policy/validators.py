"""Field validation that needs the profiles on disk: an organisation's 政策配置 must name one."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from .loader import profile_keys


def validate_profile_key(value: str) -> None:
    """Refuse a key no file in profiles/ defines (a typo such as ``hubie`` would otherwise leave
    a whole region without rules until someone noticed)."""
    if not value:
        return
    keys = profile_keys()
    if value not in keys:
        raise ValidationError(
            "没有名为 %(key)s 的政策配置（现有：%(keys)s）",
            code="unknown_profile",
            params={"key": value, "keys": "、".join(keys) or "无"},
        )
