"""Record the title grade (职称等级) as a field.

Existing people get it once from the grade their free-text specialty names in brackets
("…/教授(正高)"); from now on it is recorded, and no rule reads the free text.
"""

from django.db import migrations, models

GRADES = ("正高", "副高", "中级", "初级")


def grade_from_specialty(apps, schema_editor):
    Person = apps.get_model("accounts", "Person")
    for grade in GRADES:
        Person.objects.filter(specialty__contains=f"({grade})").update(title_grade=grade)
        Person.objects.filter(specialty__contains=f"（{grade}）").update(title_grade=grade)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="title_grade",
            field=models.CharField(
                choices=[
                    ("正高", "正高级"),
                    ("副高", "副高级"),
                    ("中级", "中级"),
                    ("初级", "初级"),
                    ("无", "无"),
                ],
                default="无",
                db_default="无",
                max_length=2,
                verbose_name="职称等级",
            ),
        ),
        migrations.RunPython(grade_from_specialty, migrations.RunPython.noop),
    ]
