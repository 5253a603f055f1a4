"""Before the background worker starts: jobs a dead worker left 处理中 are marked failed.

Only where one worker runs (`make run`, scripts/worker.sh): with several workers, one starting
would fail the jobs the others are running.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from xueshi.core.jobs import jobs_fail_interrupted


class Command(BaseCommand):
    help = "将中断的后台任务（处理中）标记为失败，在唯一的后台处理进程启动前运行。"

    def handle(self, *args: Any, **options: Any) -> None:
        count = jobs_fail_interrupted()
        if count:
            self.stdout.write(f"已将 {count} 个中断的后台任务标记为失败。")
