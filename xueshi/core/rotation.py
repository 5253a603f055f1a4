"""Re-encrypting personal data with the current key, and recomputing lookup digests under the
current lookup key (``manage.py rotate_keys``).

Every model field that is an `EncryptedCharField` or a `LookupDigestField` is covered, whatever
app it lives in (found through the app registry, so core imports no app). Rows already under the
current key are skipped (by their key id prefix; a digest by comparing it with the one the
current key gives), so a run cut short is simply run again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, models, transaction

from .crypto import decrypt, encrypt, keyring
from .fields import EncryptedCharField, LookupDigestField

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


def digest_fields() -> Iterator[tuple[type[models.Model], LookupDigestField]]:
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, LookupDigestField):
                yield model, field


def _stale_digests(
    model: type[models.Model], field: LookupDigestField, after: object, batch: int
) -> tuple[list[tuple[object, str | None]], object]:
    """One batch of rows after primary key `after`: those whose digest is not the one the
    current lookup key gives (with the digest it should carry), and the last key seen."""
    rows = model._default_manager.order_by("pk")
    if after is not None:
        rows = rows.filter(pk__gt=after)
    # values_list decrypts the source (EncryptedCharField.from_db_value).
    chunk = list(rows.values_list("pk", field.source, field.attname)[:batch])
    if not chunk:
        return [], None
    stale = []
    for pk, source, stored in chunk:
        wanted = field.digest_of(source)
        if wanted != stored:
            stale.append((pk, wanted))
    return stale, chunk[-1][0]


def stale_digest_count(model: type[models.Model], field: LookupDigestField) -> int:
    """Rows of `field` whose digest is not yet under the current lookup key."""
    count, last = 0, None
    while True:
        stale, last = _stale_digests(model, field, last, BATCH)
        count += len(stale)
        if last is None:
            return count


def redigest_field(
    model: type[models.Model], field: LookupDigestField, *, batch: int = BATCH
) -> int:
    """Recompute `field` under the current lookup key in every row where it differs, `batch`
    rows per transaction; returns how many rows were rewritten. Lookups keep finding the rows
    not yet done through PREVIOUS_LOOKUP_KEYS (`core.crypto.lookup_digests`)."""
    rewritten, last = 0, None
    while True:
        with transaction.atomic():
            stale, last = _stale_digests(model, field, last, batch)
            for pk, digest in stale:
                model._default_manager.filter(pk=pk).update(**{field.attname: digest})
            rewritten += len(stale)
        if last is None:
            return rewritten


def redigest_all(*, batch: int = BATCH) -> list[RotationCount]:
    return [
        RotationCount(
            f"{model._meta.label}.{field.name}", redigest_field(model, field, batch=batch)
        )
        for model, field in digest_fields()
    ]
