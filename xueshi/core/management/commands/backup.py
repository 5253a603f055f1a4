"""Back up the database, the media files and the keys' fingerprints (core/backup.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from xueshi.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "备份数据库、上传文件和密钥指纹（不含密钥本身）到一个新目录。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "folder",
            nargs="?",
            help="备份目录（默认 var/backups/<时间>）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        folder = Path(
            options["folder"]
            or Path("var") / "backups" / timezone.localtime().strftime("%Y%m%d-%H%M%S")
        )
        try:
            manifest = backup_create(folder)
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = sum(manifest.tables.values())
        self.stdout.write(
            f"OK {folder}: {len(manifest.tables)} tables, {rows} rows, {len(manifest.files)} files"
        )
