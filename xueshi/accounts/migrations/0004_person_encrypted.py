"""ID numbers and phones encrypted at rest (SM4-GCM), a lookup digest (HMAC-SM3) in their
place for uniqueness and lookups, and people's logins no longer named by their ID number."""

import secrets

from django.db import migrations

import xueshi.core.fields
from xueshi.core.crypto import encrypt, lookup_digest
from xueshi.core.identifiers import normalise_id_number

BATCH = 2000


def encrypt_people(apps, schema_editor):
    """Raw SQL: the historical model would try to decrypt the plain values it reads."""
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM accounts_person WHERE id_number_digest IS NULL ORDER BY id")
        ids = [row[0] for row in cursor.fetchall()]
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT p.id, p.id_number, p.phone, p.user_id, u.username FROM accounts_person p "  # noqa: S608
                f"LEFT JOIN accounts_user u ON u.id = p.user_id WHERE p.id IN ({marks})",
                chunk,
            )
            for pk, id_number, phone, user_id, username in cursor.fetchall():
                plain = normalise_id_number(id_number)
                cursor.execute(
                    "UPDATE accounts_person SET id_number = %s, phone = %s, id_number_digest = %s"
                    " WHERE id = %s",
                    [encrypt(plain), encrypt(phone) if phone else "", lookup_digest(plain), pk],
                )
                if user_id is not None and normalise_id_number(username or "") == plain:
                    cursor.execute(
                        f"UPDATE accounts_user SET {quote('username')} = %s WHERE id = %s",  # noqa: S608
                        [person_username(), user_id],
                    )


def person_username() -> str:
    """Kept in step with accounts.services.person_username (a migration must not import it)."""
    return f"p{secrets.token_hex(8)}"


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_person_title_grade"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="person",
            options={
                "ordering": ["name", "pk"],
                "verbose_name": "专业技术人员",
                "verbose_name_plural": "专业技术人员",
            },
        ),
        migrations.AddField(
            model_name="person",
            name="id_number_digest",
            field=xueshi.core.fields.LookupDigestField(
                null=True, source="id_number", verbose_name="身份证号摘要"
            ),
        ),
        migrations.AlterField(
            model_name="person",
            name="id_number",
            field=xueshi.core.fields.EncryptedCharField(max_length=18, verbose_name="身份证号"),
        ),
        migrations.AlterField(
            model_name="person",
            name="phone",
            field=xueshi.core.fields.EncryptedCharField(
                blank=True, max_length=20, verbose_name="联系电话"
            ),
        ),
        migrations.RunPython(encrypt_people, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="person",
            name="id_number_digest",
            field=xueshi.core.fields.LookupDigestField(
                source="id_number", unique=True, verbose_name="身份证号摘要"
            ),
        ),
    ]
