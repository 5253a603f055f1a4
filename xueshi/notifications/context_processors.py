"""The bell in the top bar: how many of the user's messages are unread (from the cache)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .selectors import unread_count


def unread(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"unread_notifications": 0}
    return {"unread_notifications": unread_count(user)}
