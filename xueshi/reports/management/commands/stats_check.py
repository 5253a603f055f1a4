"""Nightly: the statistics summaries must equal a full GROUP BY over the claims."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xueshi.reports.summaries import summaries_match


class Command(BaseCommand):
    help = "核对统计汇总表与申报记录的完整分组统计是否一致；不一致时以非零状态退出。"

    def handle(self, *args: Any, **options: Any) -> None:
        mismatches = summaries_match()
        for mismatch in mismatches[:50]:
            self.stderr.write(
                f"{mismatch.table} {mismatch.key}: "
                f"应为 {mismatch.expected}，汇总为 {mismatch.found}"
            )
        if mismatches:
            raise CommandError(
                f"统计汇总与申报记录不一致（{len(mismatches)} 处）；"
                "请运行 stats_rebuild 并排查原因。"
            )
        self.stdout.write(self.style.SUCCESS("统计汇总与申报记录一致。"))
