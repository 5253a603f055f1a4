"""A unit's contact phone is personal data: SM4-encrypted at rest (issue 21), like people's."""

from django.db import migrations

import xueshi.core.fields
from xueshi.core.crypto import encrypt

BATCH = 2000


def encrypt_contact_phones(apps, schema_editor):
    """Raw SQL: the historical model would try to decrypt the plain values it reads. A value
    that already carries a key id prefix ("k1:…") is left alone, so a re-run changes nothing."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, contact_phone FROM orgs_organization"
            " WHERE contact_phone <> '' AND contact_phone NOT LIKE '%%:%%' ORDER BY id"
        )
        rows = cursor.fetchall()
        for start in range(0, len(rows), BATCH):
            cursor.executemany(
                "UPDATE orgs_organization SET contact_phone = %s WHERE id = %s",
                [(encrypt(phone), pk) for pk, phone in rows[start : start + BATCH]],
            )


class Migration(migrations.Migration):
    dependencies = [
        ("orgs", "0004_regions_declaring_access"),
    ]

    operations = [
        migrations.AlterField(
            model_name="organization",
            name="contact_phone",
            field=xueshi.core.fields.EncryptedCharField(
                blank=True, max_length=20, verbose_name="联系电话"
            ),
        ),
        migrations.RunPython(encrypt_contact_phones, migrations.RunPython.noop, elidable=False),
    ]
