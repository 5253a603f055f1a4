"""Delete files in MEDIA that no row names and that are older than a day (core/files.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xueshi.core.files import orphan_files_delete


class Command(BaseCommand):
    help = "删除媒体目录中没有任何记录引用、且超过一天的孤立文件（每次删除记入审计日志）。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="只列出，不删除")

    def handle(self, *args: Any, **options: Any) -> None:
        report = orphan_files_delete(dry_run=options["dry_run"])
        for name in report.found:
            self.stdout.write(name)
        if options["dry_run"]:
            self.stdout.write(f"{len(report.found)} orphan files (dry run)")
            return
        self.stdout.write(f"{len(report.deleted)} orphan files deleted")
        if report.failed:
            for name, error in report.failed:
                self.stderr.write(f"{name}: {error}")
            raise CommandError(f"{len(report.failed)} files could not be deleted")
