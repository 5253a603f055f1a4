"""The worker's part of outbound events: send a delivery, and schedule its retry."""

from __future__ import annotations

from django_tasks import task
from django_tasks.base import Task

from .models import DeliveryStatus
from .webhooks import webhook_deliver


@task()
def deliver_webhook(delivery_id: int) -> str:
    delivery = webhook_deliver(delivery_id)
    if delivery.status == DeliveryStatus.PENDING and delivery.next_attempt_at is not None:
        retry: Task = deliver_webhook
        if retry.get_backend().supports_defer:
            retry.using(run_after=delivery.next_attempt_at).enqueue(delivery_id)
        # Without deferral (the immediate test backend), `manage.py deliver_webhooks` picks the
        # due retries up.
    return str(delivery.status)
