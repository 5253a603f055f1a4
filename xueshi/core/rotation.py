"""Re-encrypting personal data with the current key (``manage.py rotate_keys``).

Every model field that is an `EncryptedCharField` is covered, whatever app it lives in (found
through the app registry, so core imports no app). Rows already under the current key are
skipped by their key id prefix, so a run cut short is simply run again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, models, transaction

from .crypto import decrypt, encrypt, keyring
from .fields import EncryptedCharField

BATCH = 1000


@dataclass(frozen=True)
class RotationCount:
    label: str  # "accounts.Person.id_number"
    rewritten: int


def encrypted_fields() -> Iterator[tuple[type[models.Model], EncryptedCharField]]:
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedCharField):
                yield model, field


def stale_count(model: type[models.Model], field: EncryptedCharField) -> int:
    """Rows of `field` not yet under the current key."""
    quote = connection.ops.quote_name
    table, column = quote(model._meta.db_table), quote(str(field.column))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {table} WHERE {column} <> '' AND {column} NOT LIKE %s",  # noqa: S608 - names from the model
            [f"{keyring().current_id}:%"],
        )
        return int(cursor.fetchone()[0])


def rotate_field(
    model: type[models.Model], field: EncryptedCharField, *, batch: int = BATCH
) -> int:
    """Re-encrypt `field` in every row not under the current key, `batch` rows per
    transaction, walking the primary key; returns how many rows were rewritten."""
    ring = keyring()
    quote = connection.ops.quote_name
    pk = model._meta.pk
    assert pk is not None  # noqa: S101 - every concrete model has one
    table, column, pk_column = (
        quote(model._meta.db_table),
        quote(str(field.column)),
        quote(str(pk.column)),
    )
    stale = (
        f"SELECT {pk_column}, {column} FROM {table} WHERE {column} <> '' AND {column} NOT LIKE %s"  # noqa: S608 - names from the model
    )
    first = f"{stale} ORDER BY {pk_column} LIMIT %s"
    after = f"{stale} AND {pk_column} > %s ORDER BY {pk_column} LIMIT %s"
    update = f"UPDATE {table} SET {column} = %s WHERE {pk_column} = %s AND {column} = %s"  # noqa: S608
    prefix = f"{ring.current_id}:%"
    rewritten, last = 0, None
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            if last is None:
                cursor.execute(first, [prefix, batch])
            else:
                cursor.execute(after, [prefix, last, batch])
            rows = cursor.fetchall()
            if not rows:
                return rewritten
            # The old text is in the WHERE: a value changed meanwhile (already re-encrypted
            # by a save) is left as that save wrote it.
            cursor.executemany(
                update,
                [(encrypt(decrypt(stored, ring), ring), key, stored) for key, stored in rows],
            )
            rewritten += len(rows)
            last = rows[-1][0]


def rotate_all(*, batch: int = BATCH) -> list[RotationCount]:
    return [
        RotationCount(f"{model._meta.label}.{field.name}", rotate_field(model, field, batch=batch))
        for model, field in encrypted_fields()
    ]
