"""Refill the statistics summaries from the claims (after a bulk load, or a failed check)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from xueshi.reports.summaries import summaries_in_use, summaries_rebuild


class Command(BaseCommand):
    help = "重建学时申报统计汇总表（PostgreSQL）。"

    def handle(self, *args: Any, **options: Any) -> None:
        if not summaries_in_use():
            self.stdout.write("此数据库不使用统计汇总表（统计页直接计数），无需重建。")
            return
        counts = summaries_rebuild()
        self.stdout.write(
            self.style.SUCCESS(
                f"统计汇总已重建：{counts['summaries']} 行汇总，"
                f"{counts['routed']} 条跨范围审核层级。"
            )
        )
