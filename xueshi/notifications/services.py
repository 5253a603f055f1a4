from __future__ import annotations

from typing import Any

from django.utils import timezone

from .models import Notification


def notify(*, recipient: Any, message: str, url: str = "") -> Notification | None:
    if recipient is None:
        return None
    return Notification.objects.create(recipient=recipient, message=message[:300], url=url)


def notifications_mark_read(*, recipient: Any, ids: list[int] | None = None) -> int:
    unread = Notification.objects.filter(recipient=recipient, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
