"""Send every outbound event delivery that is due (first attempts and retries)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from xueshi.api.webhooks import due_deliveries, webhook_deliver


class Command(BaseCommand):
    help = "发送到期的事件推送（含重试）"

    def handle(self, *args: Any, **options: Any) -> None:
        sent = 0
        for delivery_id in due_deliveries():
            webhook_deliver(delivery_id)
            sent += 1
        self.stdout.write(f"处理了 {sent} 条事件推送")
