"""Fill Declaration.status_level for claims pending before the field existed: the level of the
chain step that must act. Returned and rejected claims keep "" (their region's state word)."""

from django.db import migrations
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def fill(apps, schema_editor):
    Declaration = apps.get_model("declarations", "Declaration")
    ChainStep = apps.get_model("review", "ChainStep")
    level = ChainStep.objects.filter(
        declaration=OuterRef("pk"), position=OuterRef("current_position")
    ).values("level_code")[:1]
    Declaration.objects.filter(status="pending").update(
        status_level=Coalesce(Subquery(level), Value(""))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("declarations", "0002_status_level"),
        ("review", "0001_initial"),
    ]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
