"""manage.py import_general_records <file.csv|xlsx> [--provider 名称]

Reads the file with the same parser as the upload page, records it through the same service,
prints the same report (created, unchanged, every problem row) and exits with status 1 when
any row could not be imported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xueshi.ledger.parsers import ParseError, parse_general_records
from xueshi.ledger.services import general_records_import


class Command(BaseCommand):
    help = "导入公需科目学习记录（CSV 或 xlsx）；重复导入不会重复计入。有问题行时以状态 1 退出。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="CSV（UTF-8 / GB18030）或 xlsx 文件")
        parser.add_argument(
            "--provider", default="", help="学习平台：文件中没有该列或该列为空时使用"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        try:
            parsed = parse_general_records(
                path.read_bytes(), file_name=path.name, default_provider=options["provider"]
            )
        except ParseError as error:
            raise CommandError(str(error)) from error
        report = general_records_import(rows=parsed.rows, source_name=path.name)
        problems = sorted([*parsed.problems, *report.problems])
        self.stdout.write(
            f"{path.name}：新增 {report.created} 条，已存在（未变化）{report.unchanged} 条，"
            f"问题 {len(problems)} 行。"
        )
        for number, reason in problems:
            self.stdout.write(f"  第 {number} 行：{reason}")
        if problems:
            raise CommandError(f"有 {len(problems)} 行未导入。", returncode=1)
        self.stdout.write(self.style.SUCCESS("全部导入成功。"))
