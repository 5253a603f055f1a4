"""Triggers that refuse UPDATE, DELETE (within retention) and TRUNCATE on the audit log."""

from django.db import migrations

from xueshi.core.audit_guards import install_guards, remove_guards


def forwards(apps, schema_editor):
    install_guards(schema_editor.connection)


def backwards(apps, schema_editor):
    remove_guards(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_auditlog_chain")]

    operations = [migrations.RunPython(forwards, backwards)]
