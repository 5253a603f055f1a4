"""Delete audit rows older than AUDIT_RETENTION_DAYS (never fewer than 184 days).

The database's DELETE trigger refuses any younger row whatever this command does; this command
only chooses which old rows go, keeps the chain verifiable by recording the last removed digest in
an `audit.purge` row, and is itself audited. Archive the rows first if policy asks (operator).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from xueshi.core.audit import PURGE_ACTION, audit_record, audit_retention_days
from xueshi.core.audit_guards import AUDIT_MIN_RETENTION_DAYS
from xueshi.core.models import AuditLog


class Command(BaseCommand):
    help = "删除超过保存期（AUDIT_RETENTION_DAYS，至少 184 天）的审计日志。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        days = max(audit_retention_days(), AUDIT_MIN_RETENTION_DAYS)
        cutoff = timezone.now() - timedelta(days=days)
        with transaction.atomic():
            # Only a prefix of the chain goes: stop at the first row inside the retention period.
            first_kept = AuditLog.objects.filter(at__gte=cutoff).order_by("id").first()
            old = AuditLog.objects.filter(at__lt=cutoff)
            if first_kept is not None:
                old = old.filter(id__lt=first_kept.pk)
            last = old.order_by("-id").first()
            if last is None:
                self.stdout.write(f"0 rows older than {days} days")
                return
            count = old.count()
            if options["dry_run"]:
                self.stdout.write(f"{count} rows older than {days} days (dry run)")
                return
            through_id, last_digest = last.pk, last.digest
            old._raw_delete(old.db)
            audit_record(
                action=PURGE_ACTION,
                reason=f"超过保存期 {days} 天",
                details={
                    "deleted": count,
                    "through_id": through_id,
                    "last_purged_digest": last_digest,
                },
            )
        self.stdout.write(f"{count} rows older than {days} days deleted")
