"""Re-encrypt personal data with the current key (the first of PERSONAL_DATA_KEYS) and
recompute the lookup digests under LOOKUP_KEY.

Run after putting a new key first in PERSONAL_DATA_KEYS (the old ones stay listed until this
has finished), or after moving the old LOOKUP_KEY to PREVIOUS_LOOKUP_KEYS and setting a new one;
batches of rows, each in its own transaction; a second run rewrites nothing.
See docs/security.md.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xueshi.core.audit import audit_record
from xueshi.core.crypto import keyring
from xueshi.core.rotation import (
    BATCH,
    digest_fields,
    encrypted_fields,
    redigest_all,
    rotate_all,
    stale_count,
    stale_digest_count,
)


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
            for model, digest_field in digest_fields():
                count = stale_digest_count(model, digest_field)
                self.stdout.write(
                    f"{model._meta.label}.{digest_field.name}：{count} 行摘要未使用当前 LOOKUP_KEY"
                )
            return
        batch = max(1, options["batch"])
        counts = rotate_all(batch=batch)
        for done in counts:
            self.stdout.write(f"{done.label}：已用密钥 {current} 重新加密 {done.rewritten} 行")
        digests = redigest_all(batch=batch)
        for done in digests:
            self.stdout.write(f"{done.label}：已用当前 LOOKUP_KEY 重算 {done.rewritten} 行摘要")
        audit_record(
            action="crypto.rotate_keys",
            to_state=current,
            details={c.label: c.rewritten for c in [*counts, *digests]},
        )
