"""The audit log's hash chain (SM3) and an actor reference that survives the account."""

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

import hashlib
import json
from datetime import UTC

GENESIS = "0" * 64


def _canonical(row, ip_field):
    # Frozen copy of core.audit.audit_canonical as of this migration.
    content = [
        row.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        row.actor_id,
        row.role,
        ip_field.get_prep_value(row.ip_address),
        row.action,
        row.target_type,
        row.target_id,
        row.from_state,
        row.to_state,
        row.reason,
        row.details,
        row.result,
    ]
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def chain_existing_rows(apps, schema_editor):
    AuditLog = apps.get_model("core", "AuditLog")
    ip_field = AuditLog._meta.get_field("ip_address")
    previous = GENESIS
    for row in AuditLog.objects.order_by("id").iterator(chunk_size=2000):
        digest = hashlib.new("sm3", previous.encode("ascii") + _canonical(row, ip_field)).hexdigest()
        AuditLog.objects.filter(pk=row.pk).update(digest=digest)
        previous = digest


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_backgroundjob"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditlog",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="操作人",
            ),
        ),
        migrations.AlterField(
            model_name="auditlog",
            name="at",
            field=models.DateTimeField(
                db_index=True, default=timezone.now, editable=False, verbose_name="时间"
            ),
        ),
        migrations.AddField(
            model_name="auditlog",
            name="result",
            field=models.CharField(
                choices=[("success", "成功"), ("failure", "失败")],
                default="success",
                max_length=10,
                verbose_name="结果",
            ),
        ),
        migrations.AddField(
            model_name="auditlog",
            name="digest",
            field=models.CharField(
                blank=True, editable=False, max_length=64, verbose_name="摘要 (SM3)"
            ),
        ),
        migrations.RunPython(chain_existing_rows, migrations.RunPython.noop),
    ]
