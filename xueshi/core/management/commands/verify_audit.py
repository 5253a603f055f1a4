"""Walk the audit log's keyed chain (HMAC-SM3): "OK n rows", or the first broken row and exit
status 1."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from xueshi.core.audit import audit_chain_verify


class Command(BaseCommand):
    help = "检查审计日志的 HMAC-SM3 链：报告第一条被修改、删除或插入处的记录。"

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_chain_verify()
        if report.ok:
            legacy = (
                f", {report.legacy_rows} from before the chain was keyed"
                if report.legacy_rows
                else ""
            )
            self.stdout.write(f"OK {report.rows} rows (head {report.head}{legacy})")
            return
        self.stderr.write(
            f"BROKEN at audit row #{report.broken_id} ({report.problem}); "
            f"{report.rows} rows before it are intact"
        )
        raise SystemExit(1)
