"""Outbound events (issue 19 item 5): a real HTTP receiver on this machine, the HMAC signature
recomputed as a receiver would, retries with backoff, and every attempt recorded."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from xueshi.api.models import DeliveryStatus, WebhookDelivery, WebhookEvent
from xueshi.api.tests.test_api import as_person
from xueshi.api.webhooks import BACKOFF, webhook_create, webhook_deliver
from xueshi.certificates.services import certificate_void
from xueshi.review.services import declaration_approve
from xueshi.review.tests.test_views import guangxi_claim

pytestmark = pytest.mark.django_db


class Receiver:
    """An HTTP endpoint that answers with the next status of `replies` and keeps what came."""

    def __init__(self) -> None:
        self.replies: list[int] = []
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                status = receiver.replies.pop(0) if receiver.replies else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    endpoint = Receiver()
    thread = threading.Thread(target=endpoint.server.serve_forever, daemon=True)
    thread.start()
    yield endpoint
    endpoint.server.shutdown()
    endpoint.server.server_close()


def test_an_approval_is_pushed_signed_and_the_signature_checks(
    demo, receiver, django_capture_on_commit_callbacks
):
    unit = demo.role("gx_gxu")
    made = webhook_create(
        role=unit, actor=unit.user, url=receiver.url, events=[WebhookEvent.DECLARATION_APPROVED]
    )
    claim = guangxi_claim(demo)
    unit_pass = declaration_approve(declaration_id=claim.pk, actor=unit.user, role=unit)
    final = demo.role("gx_jyt")
    with django_capture_on_commit_callbacks(execute=True):
        declaration_approve(declaration_id=unit_pass.pk, actor=final.user, role=final)

    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    expected = hmac.new(
        made.secret.encode(),
        headers["X-Xueshi-Timestamp"].encode() + b"." + body,
        hashlib.sha256,
    ).hexdigest()
    assert headers["X-Xueshi-Signature"] == f"sha256={expected}"
    assert headers["X-Xueshi-Event"] == "declaration.approved"
    payload = json.loads(body)
    assert payload["data"]["declaration_id"] == claim.pk
    assert "id_number" not in json.dumps(payload)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.DELIVERED,
        1,
        200,
    )
    # A forged body does not match the signature.
    forged = hmac.new(
        made.secret.encode(),
        headers["X-Xueshi-Timestamp"].encode() + b"." + body.replace(b"approved", b"rejected"),
        hashlib.sha256,
    ).hexdigest()
    assert forged != expected


def test_a_failed_delivery_is_retried_with_backoff_then_given_up(demo, receiver):
    unit = demo.role("gx_gxu")
    hook = webhook_create(
        role=unit, actor=unit.user, url=receiver.url, events=[WebhookEvent.DECLARATION_APPROVED]
    ).webhook
    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        webhook=hook, event="declaration.approved", payload={"x": 1}, next_attempt_at=now
    )
    receiver.replies = [500, 503]

    first = webhook_deliver(delivery.pk, now=now)
    assert (first.status, first.attempts, first.last_status_code) == ("pending", 1, 500)
    assert first.next_attempt_at == now + BACKOFF[0]
    # Not due yet: nothing is sent.
    webhook_deliver(delivery.pk, now=now + datetime.timedelta(seconds=30))
    assert len(receiver.received) == 1

    second = webhook_deliver(delivery.pk, now=now + BACKOFF[0])
    assert (second.attempts, second.last_status_code) == (2, 503)
    third = webhook_deliver(delivery.pk, now=now + BACKOFF[0] + BACKOFF[1])
    assert (third.status, third.attempts, third.last_status_code) == ("delivered", 3, 200)

    # A receiver that never answers 2xx: after the last backoff the delivery stops.
    dead = WebhookDelivery.objects.create(
        webhook=hook, event="declaration.approved", payload={}, next_attempt_at=now
    )
    receiver.replies = [500] * 10
    moment = now
    for _ in range(len(BACKOFF) + 1):
        result = webhook_deliver(dead.pk, now=moment)
        moment = result.next_attempt_at or moment
    assert (result.status, result.attempts) == (DeliveryStatus.FAILED, len(BACKOFF) + 1)


def test_an_unreachable_receiver_is_recorded_not_raised(demo):
    unit = demo.role("gx_gxu")
    hook = webhook_create(
        role=unit, actor=unit.user, url="http://127.0.0.1:9/", events=["declaration.approved"]
    ).webhook
    delivery = WebhookDelivery.objects.create(
        webhook=hook, event="declaration.approved", payload={}, next_attempt_at=timezone.now()
    )
    result = webhook_deliver(delivery.pk)
    assert result.status == DeliveryStatus.PENDING
    assert result.last_error


def test_the_webhook_page_shows_the_secret_once_and_other_units_hooks_are_404(demo, receiver):
    unit = as_person(demo.role("gx_gxu"))
    made = unit.post(
        reverse("api:webhooks"), {"url": receiver.url, "events": ["declaration.approved"]}
    )
    assert made.context["new_secret"] in made.content.decode()
    assert "申报通过认定" in unit.get(reverse("api:webhooks")).content.decode()
    hook = made.context["page"].object_list[0]
    other = as_person(demo.role("gx_nnyz"))
    assert other.post(reverse("api:webhook_delete", args=[hook.pk])).status_code == 404
    assert unit.post(reverse("api:webhook_delete", args=[hook.pk])).status_code == 302


def test_a_voided_certificate_is_pushed_to_its_units_webhook(
    demo_claims, receiver, django_capture_on_commit_callbacks
):
    unit = demo_claims.role("gx_gxu")
    made = webhook_create(
        role=unit,
        actor=unit.user,
        url=receiver.url,
        events=[WebhookEvent.CERTIFICATE_ISSUED, WebhookEvent.CERTIFICATE_VOIDED],
    )
    certificate = demo_claims.person("覃海燕").certificates.get(status="valid")
    with django_capture_on_commit_callbacks(execute=True):
        certificate_void(certificate_id=certificate.pk, reason="测试作废")
    headers, body = receiver.received[-1]
    assert headers["X-Xueshi-Event"] == "certificate.voided"
    payload = json.loads(body)["data"]
    assert (payload["number"], payload["reason"]) == (certificate.number, "测试作废")
    expected = hmac.new(
        made.secret.encode(), headers["X-Xueshi-Timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert headers["X-Xueshi-Signature"] == f"sha256={expected}"
