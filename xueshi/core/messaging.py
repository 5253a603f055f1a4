"""Short messages out of the platform: e-mail through Django's mail backends, SMS through an
adapter named in settings (`SMS_SENDER`: a class with ``send(destination, text)``), so a
province plugs in its own gateway. Used by 找回密码 and by notifications a person opted into."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)
SUBJECT = "学时平台消息"


class Sender(Protocol):
    def send(self, destination: str, text: str) -> None: ...


class EmailSender:
    def send(self, destination: str, text: str) -> None:
        send_mail(SUBJECT, text, None, [destination])


class ConsoleSmsSender:
    """Development: the SMS is written to the log (a province configures its gateway)."""

    def send(self, destination: str, text: str) -> None:
        logger.info("[短信] %s: %s", destination, text)


class OutboxSmsSender:
    """Tests: messages are kept in `OutboxSmsSender.outbox`, like Django's locmem mail."""

    outbox: list[tuple[str, str]] = []

    def send(self, destination: str, text: str) -> None:
        OutboxSmsSender.outbox.append((destination, text))


def sms_sender() -> Sender:
    path = getattr(settings, "SMS_SENDER", "xueshi.core.messaging.ConsoleSmsSender")
    sender: Callable[[], Sender] = import_string(path)
    return sender()


def send_text(channel: str, destination: str, text: str) -> bool:
    """Send by "sms" or "email"; a failure is logged, never raised (the in-app message stays)."""
    try:
        if channel == "sms":
            sms_sender().send(destination, text)
        else:
            EmailSender().send(destination, text)
    except Exception:  # any gateway or mail server error: the message still exists in-app
        logger.exception("message to %s by %s failed", destination[:3] + "…", channel)
        return False
    return True
