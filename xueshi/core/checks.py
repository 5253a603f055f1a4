"""System checks of the core app's settings."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register

from .audit import audit_retention_days
from .audit_guards import AUDIT_MIN_RETENTION_DAYS


@register()
def check_audit_retention(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    days = audit_retention_days()
    if days < AUDIT_MIN_RETENTION_DAYS:
        return [
            Error(
                f"AUDIT_RETENTION_DAYS = {days}: audit logs must be kept at least "
                f"{AUDIT_MIN_RETENTION_DAYS} days (网络安全法 第二十一条).",
                id="xueshi.E101",
            )
        ]
    return []
