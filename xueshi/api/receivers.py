"""Domain events → outbound deliveries (after the transition commits)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import receiver

from xueshi.certificates import events as certificate_events
from xueshi.certificates.models import Certificate
from xueshi.declarations import events
from xueshi.declarations.models import Declaration

from .models import WebhookEvent
from .tasks import deliver_webhook
from .webhooks import webhook_enqueue


def _payload(declaration: Declaration, reason: str = "") -> dict[str, Any]:
    # No ID number: a receiver identifies the person through the API, under its own scope.
    return {
        "declaration_id": declaration.pk,
        "person_id": declaration.person_id,
        "unit_id": declaration.unit_id,
        "credit_year": declaration.credit_year,
        "category_code": declaration.category_code,
        "hours_granted": str(declaration.hours_granted or ""),
        "status": declaration.status,
        "reason": reason,
    }


def _send(declaration: Declaration, event: str, reason: str = "") -> None:
    if declaration.unit is None:
        return
    ids = webhook_enqueue(unit=declaration.unit, event=event, payload=_payload(declaration, reason))
    for delivery_id in ids:
        transaction.on_commit(
            lambda delivery_id=delivery_id: deliver_webhook.enqueue(delivery_id)  # type: ignore[misc]
        )


def _certificate_payload(certificate: Certificate) -> dict[str, Any]:
    return {
        "number": certificate.number,
        "person_id": certificate.person_id,
        "credit_year": certificate.credit_year,
        "status": certificate.status,
        "reason": certificate.void_reason,
    }


def _send_certificate(certificate: Certificate, event: str) -> None:
    unit = certificate.person.unit
    if unit is None:
        return
    ids = webhook_enqueue(unit=unit, event=event, payload=_certificate_payload(certificate))
    for delivery_id in ids:
        transaction.on_commit(
            lambda delivery_id=delivery_id: deliver_webhook.enqueue(delivery_id)  # type: ignore[misc]
        )


@receiver(certificate_events.certificate_issued)
def on_certificate_issued(sender: Any, certificate: Certificate, **kwargs: Any) -> None:
    _send_certificate(certificate, WebhookEvent.CERTIFICATE_ISSUED)


@receiver(certificate_events.certificate_voided)
def on_certificate_voided(sender: Any, certificate: Certificate, **kwargs: Any) -> None:
    _send_certificate(certificate, WebhookEvent.CERTIFICATE_VOIDED)


@receiver(events.declaration_approved)
def on_approved(sender: Any, declaration: Declaration, **kwargs: Any) -> None:
    _send(declaration, WebhookEvent.DECLARATION_APPROVED)


@receiver(events.declaration_returned)
def on_returned(sender: Any, declaration: Declaration, **kwargs: Any) -> None:
    _send(declaration, WebhookEvent.DECLARATION_RETURNED, kwargs.get("reason", ""))


@receiver(events.approved_declaration_deleted)
def on_deleted(sender: Any, declaration: Declaration, **kwargs: Any) -> None:
    _send(declaration, WebhookEvent.APPROVED_DECLARATION_DELETED, kwargs.get("reason", ""))
