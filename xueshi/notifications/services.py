from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from xueshi.accounts.models import Person
from xueshi.core.messaging import send_text

from .models import Notification, NotificationPreference
from .selectors import CHANGED_MARKER, CHANGED_MARKER_SECONDS, unread_cache_key


def notify(*, recipient: Any, message: str, url: str = "") -> Notification | None:
    """The bell, and where the person opted in, the same text by e-mail and/or SMS."""
    if recipient is None:
        return None
    notification = Notification.objects.create(recipient=recipient, message=message[:300], url=url)
    preference = NotificationPreference.objects.filter(user=recipient).first()
    if preference is not None:
        for channel, address in channels(recipient, preference):
            send_text(channel, address, message)
    return notification


def notify_registrant(*, recipient: Any, message: str) -> Notification | None:
    """A step of the person's own registration: the bell (read once they can log in), and
    the same text to the phone and e-mail they gave when registering, whatever their
    preferences (they have not been able to set any yet)."""
    if recipient is None:
        return None
    notification = Notification.objects.create(recipient=recipient, message=message[:300])
    person = Person.objects.filter(user=recipient).first()
    if person is not None and person.phone:
        send_text("sms", person.phone, message)
    if recipient.email:
        send_text("email", recipient.email, message)
    return notification


def channels(user: Any, preference: NotificationPreference) -> list[tuple[str, str]]:
    chosen: list[tuple[str, str]] = []
    if preference.by_email and user.email:
        chosen.append(("email", user.email))
    if preference.by_sms:
        person = Person.objects.filter(user=user).first()
        if person is not None and person.phone:
            chosen.append(("sms", person.phone))
    return chosen


def notification_preference_save(
    *, user: Any, by_email: bool, by_sms: bool, email: str | None = None
) -> NotificationPreference:
    if email is not None and email != user.email:
        user.email = email
        user.save(update_fields=["email"])
    preference, _ = NotificationPreference.objects.update_or_create(
        user=user, defaults={"by_email": by_email, "by_sms": by_sms}
    )
    return preference


def notifications_mark_read(*, recipient: Any, ids: list[int] | None = None) -> int:
    unread = Notification.objects.filter(recipient=recipient, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    marked = unread.update(read_at=timezone.now())
    if marked:
        unread_count_changed(recipient.pk)
    return marked


def unread_count_changed(user_id: int) -> None:
    """A message of the user was created, read or deleted: the pages count in the table
    again, now (this transaction's own reads, and tests) and once the write commits."""
    _mark_changed(user_id)
    transaction.on_commit(lambda: _mark_changed(user_id))


def _mark_changed(user_id: int) -> None:
    cache.set(unread_cache_key(user_id), CHANGED_MARKER, CHANGED_MARKER_SECONDS)
