"""Re-encrypt personal data with the current key (the first of PERSONAL_DATA_KEYS).

Run after putting a new key first in PERSONAL_DATA_KEYS (the old ones stay listed until this
has finished); batches of rows, each in its own transaction; a second run rewrites nothing.
See docs/security.md.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xueshi.core.audit import audit_record
from xueshi.core.crypto import keyring
from xueshi.core.rotation import BATCH, encrypted_fields, rotate_all, stale_count


class Command(BaseCommand):
    help = "用当前密钥（PERSONAL_DATA_KEYS 的第一个）重新加密全部个人信息，可重复运行。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=BATCH, help="每个事务处理的行数")
        parser.add_argument(
            "--check", action="store_true", help="只统计尚未使用当前密钥的行数，不修改"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        current = keyring().current_id
        if options["check"]:
            for model, field in encrypted_fields():
                count = stale_count(model, field)
                self.stdout.write(
                    f"{model._meta.label}.{field.name}：{count} 行未使用密钥 {current}"
                )
            return
        counts = rotate_all(batch=max(1, options["batch"]))
        for done in counts:
            self.stdout.write(f"{done.label}：已用密钥 {current} 重新加密 {done.rewritten} 行")
        audit_record(
            action="crypto.rotate_keys",
            to_state=current,
            details={c.label: c.rewritten for c in counts},
        )
