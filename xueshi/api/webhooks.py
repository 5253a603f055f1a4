"""Outbound events: an organisation registers a URL; events in its scope are POSTed there,
signed with HMAC-SHA256, retried with backoff by the worker, every attempt recorded.

Signature: ``X-Xueshi-Signature: sha256=<hex>`` over ``<timestamp>.<body>`` with the webhook's
secret, and ``X-Xueshi-Timestamp`` (seconds): the receiver recomputes it and refuses old
timestamps, so a captured delivery cannot be replayed later.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from xueshi.accounts.models import RoleAssignment, RoleKind
from xueshi.accounts.permissions import role_may
from xueshi.core.audit import audit_record
from xueshi.core.memo import memoized
from xueshi.orgs.models import Organization

from .models import DeliveryStatus, Webhook, WebhookDelivery, WebhookEvent

# After the first attempt: wait 1 min, 5 min, 30 min, 2 h, 12 h; then give up (status failed).
BACKOFF = [
    datetime.timedelta(minutes=1),
    datetime.timedelta(minutes=5),
    datetime.timedelta(minutes=30),
    datetime.timedelta(hours=2),
    datetime.timedelta(hours=12),
]
TIMEOUT_SECONDS = 10


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


@dataclass(frozen=True)
class NewWebhook:
    webhook: Webhook
    secret: str  # shown once


def webhooks_of(role: RoleAssignment) -> Any:
    hooks = Webhook.objects.select_related("organization")
    if role.kind == RoleKind.PLATFORM_ADMIN or role.organization is None:
        return hooks if role.kind == RoleKind.PLATFORM_ADMIN else hooks.none()
    return hooks.filter(organization=role.organization)


def webhook_create(
    *, role: RoleAssignment, actor: Any, url: str, events: Iterable[str]
) -> NewWebhook:
    if not role_may(role, "api.keys") or role.organization is None:
        raise PermissionDenied("当前角色不能设置事件推送。")
    chosen = sorted(set(events))
    known = set(WebhookEvent.values)
    if not chosen or any(event not in known for event in chosen):
        raise ValidationError({"events": "请选择要推送的事件。"})
    if not url.lower().startswith(("https://", "http://")):
        raise ValidationError({"url": "接收地址须以 https:// 或 http:// 开头。"})
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        webhook = Webhook.objects.create(
            organization=role.organization,
            url=url,
            secret=secret,
            events=chosen,
            created_by=actor,
        )
        audit_record(
            action="api.webhook_create",
            actor=actor,
            role=role.kind,
            target=webhook,
            details={"url": url, "events": chosen},
        )
    return NewWebhook(webhook, secret)


def webhook_delete(*, webhook_id: int, role: RoleAssignment, actor: Any) -> None:
    with transaction.atomic():
        webhook = webhooks_of(role).select_for_update().get(pk=webhook_id)
        audit_record(
            action="api.webhook_delete",
            actor=actor,
            role=role.kind,
            target=webhook,
            details={"url": webhook.url},
        )
        webhook.delete()


def listeners(unit: Organization, event: str) -> list[Webhook]:
    """Active webhooks of the unit and every organisation above it that want `event`."""
    return memoized(("webhook_listeners", unit.path, event), lambda: _listeners(unit, event))


def _listeners(unit: Organization, event: str) -> list[Webhook]:
    paths = {unit.path[:end] for end in range(1, len(unit.path) + 1)}
    hooks = Webhook.objects.filter(active=True, organization__path__in=paths)
    return [hook for hook in hooks if event in hook.events]


def webhook_enqueue(*, unit: Organization, event: str, payload: dict[str, Any]) -> list[int]:
    """Record one delivery per listening webhook; the worker sends them after the commit."""
    ids = [
        WebhookDelivery.objects.create(
            webhook=hook, event=event, payload=payload, next_attempt_at=timezone.now()
        ).pk
        for hook in listeners(unit, event)
    ]
    return ids


def webhook_deliver(delivery_id: int, *, now: datetime.datetime | None = None) -> WebhookDelivery:
    """One attempt (if due). A 2xx reply delivers; anything else schedules the next attempt,
    until the backoff runs out."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update()
            .select_related("webhook")
            .get(pk=delivery_id)
        )
        if delivery.status != DeliveryStatus.PENDING or (
            delivery.next_attempt_at is not None and delivery.next_attempt_at > now
        ):
            return delivery
        body = json.dumps(
            {"event": delivery.event, "delivery": delivery.pk, "data": delivery.payload},
            ensure_ascii=False,
        ).encode()
        timestamp = str(int(now.timestamp()))
        request = urllib.request.Request(  # noqa: S310 (the URL scheme is checked at creation)
            delivery.webhook.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "X-Xueshi-Event": delivery.event,
                "X-Xueshi-Delivery": str(delivery.pk),
                "X-Xueshi-Timestamp": timestamp,
                "X-Xueshi-Signature": sign(delivery.webhook.secret, timestamp, body),
            },
        )
        delivery.attempts += 1
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as reply:  # noqa: S310
                delivery.last_status_code = reply.status
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
            delivery.last_error = ""
        except urllib.error.HTTPError as failure:
            delivery.last_status_code = failure.code
            delivery.last_error = f"HTTP {failure.code}"
            _schedule_retry(delivery, now)
        except (urllib.error.URLError, OSError) as failure:
            delivery.last_status_code = None
            delivery.last_error = str(failure)[:300]
            _schedule_retry(delivery, now)
        delivery.save()
    return delivery


def _schedule_retry(delivery: WebhookDelivery, now: datetime.datetime) -> None:
    if delivery.attempts > len(BACKOFF):
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.next_attempt_at = now + BACKOFF[delivery.attempts - 1]


def due_deliveries(now: datetime.datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now
        ).values_list("pk", flat=True)
    )
