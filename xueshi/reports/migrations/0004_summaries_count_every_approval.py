"""The per-table summaries' triggers counted an approval only when it also changed the count
or the hours (an approval of hours granted before the last level, or of 0 hours, was lost):
the fixed triggers, and every summary refilled."""

from django.db import migrations

from xueshi.reports.summaries import migration_reinstall, migration_uninstall


class Migration(migrations.Migration):
    dependencies = [("reports", "0003_per_table_summaries")]

    operations = [migrations.RunPython(migration_reinstall, migration_uninstall)]
