"""Reads of the bell: how many of a user's messages are unread, from the cache.

Every logged-in page shows the count, so it is kept in the cache (one read a page). Every
write that changes it (a message created, read or deleted: `services.unread_count_changed`) replaces
the cached count with a marker for a few seconds, at once and again when the write commits;
while the marker stands, pages count in the table and store nothing, so a count read before
the write committed can never be stored after it. The cache must be shared by the processes
(Redis in production, as for the rate limits).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache

from .models import Notification

UNREAD_CACHE_SECONDS = 600
# Longer than any page takes between counting and storing its count.
CHANGED_MARKER_SECONDS = 30
CHANGED_MARKER = "changed"


def unread_cache_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def unread_count(user: Any) -> int:
    """How many of the user's messages are unread (no query while nothing changed)."""
    if not settings.NOTIFICATIONS_UNREAD_CACHE:
        return _unread_in_table(user)
    key = unread_cache_key(user.pk)
    cached = cache.get(key)
    if isinstance(cached, int):
        return cached
    count = _unread_in_table(user)
    if cached is None:
        # add, not set: a write that committed meanwhile has put its marker, which stays.
        cache.add(key, count, UNREAD_CACHE_SECONDS)
    return count


def _unread_in_table(user: Any) -> int:
    # From the primary even in a view reading from the replica: a lagging replica's count
    # would be stored for minutes.
    return (
        Notification.objects.using("default")
        .filter(recipient_id=user.pk, read_at__isnull=True)
        .count()
    )
