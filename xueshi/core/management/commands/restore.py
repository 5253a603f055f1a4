"""Restore a backup made by `manage.py backup` into an empty database and check it whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xueshi.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "从备份目录恢复数据库和上传文件，并逐表核对行数、逐个核对文件校验值；"
        "目标数据库须为空（或加 --force）。"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("folder")
        parser.add_argument(
            "--database", help="目标：SQLite 文件路径或 PostgreSQL 库名（默认为当前配置的库）"
        )
        parser.add_argument("--media-root", help="上传文件恢复到此目录（默认 MEDIA_ROOT）")
        parser.add_argument("--force", action="store_true", help="目标数据库不为空时仍覆盖")
        parser.add_argument(
            "--ignore-keys", action="store_true", help="当前密钥与备份时的指纹不符时仍恢复"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = backup_restore(
                Path(options["folder"]),
                database=options["database"],
                media_root=Path(options["media_root"]) if options["media_root"] else None,
                force=options["force"],
                ignore_keys=options["ignore_keys"],
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        for problem in report.problems:
            self.stderr.write(problem)
        if not report.ok:
            raise CommandError(f"恢复不完整：{len(report.problems)} 处与备份不符")
        self.stdout.write(
            f"OK {report.tables} tables, {report.rows} rows, {report.files} files match the backup"
        )
