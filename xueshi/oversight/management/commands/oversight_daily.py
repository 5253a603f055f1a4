"""Queue the daily oversight task for the worker, or run it here with --now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from xueshi.oversight.services import oversight_daily
from xueshi.oversight.tasks import oversight_daily_task


class Command(BaseCommand):
    help = "每日督办：审核超期提醒、下级超期报上级、年底学时未达标提醒（重复运行不会重复提醒）。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--now", action="store_true", help="在本进程中立即运行，不交给后台任务进程"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["now"]:
            report = oversight_daily()
            self.stdout.write(
                f"超期提醒 {report.stale} 条，报上级 {report.escalated} 条，"
                f"年底提醒 {report.year_end} 人，共发送消息 {report.messages} 条"
            )
            return
        result = oversight_daily_task.enqueue()
        self.stdout.write(f"已加入后台任务队列：{result.id}")
