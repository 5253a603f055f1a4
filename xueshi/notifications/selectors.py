"""Reads of the bell: how many of a user's messages are unread, from the cache.

Every logged-in page shows the count, so it is kept in the cache (one read a page). Every
write that changes it (a message created, read or deleted: `unread_count_changed`) replaces
the cached count with a marker for a few seconds, at once and again when the write commits;
while the marker stands, pages count in the table and store nothing, so a count read before
the write committed can never be stored after it. The cache must be shared by the processes
(Redis in production, as for the rate limits).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from .models import Notification

UNREAD_CACHE_SECONDS = 600
# Longer than any page takes between counting and storing its count.
CHANGED_MARKER_SECONDS = 30
_CHANGED = "changed"


def _key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def unread_count(user: Any) -> int:
    """How many of the user's messages are unread (no query while nothing changed)."""
    if not settings.NOTIFICATIONS_UNREAD_CACHE:
        return _unread_in_table(user)
    key = _key(user.pk)
    cached = cache.get(key)
    if isinstance(cached, int):
        return cached
    count = _unread_in_table(user)
    if cached is None:
        # add, not set: a write that committed meanwhile has put its marker, which stays.
        cache.add(key, count, UNREAD_CACHE_SECONDS)
    return count


def _unread_in_table(user: Any) -> int:
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def unread_count_changed(user_id: int) -> None:
    """A message of the user was created, read or deleted: the pages count in the table
    again, now (this transaction's own reads, and tests) and once the write commits."""
    _mark_changed(user_id)
    transaction.on_commit(lambda: _mark_changed(user_id))


def _mark_changed(user_id: int) -> None:
    cache.set(_key(user_id), _CHANGED, CHANGED_MARKER_SECONDS)
