"""Bulk inserts of many rows at once, for any model: COPY on PostgreSQL, multi-row INSERT on
SQLite.

Both write the values the ORM would (``auto_now`` fields stamped, each value prepared by its
field), so both give the same rows as ``bulk_create``, with much less per-row work: an import
writes tens of thousands of rows per file. Knows nothing about what the rows are.
"""

from __future__ import annotations

import datetime
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.db.models import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKey,
    IntegerField,
    TextField,
)

from .fields import EncryptedCharField, LookupDigestField

__all__ = ["insert_many", "insert_returning_ids"]

PLAIN_FIELDS = (CharField, TextField, IntegerField, BooleanField, ForeignKey)


def _unchanged(value: Any) -> Any:
    return value


def _db_converter(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    """How `field` prepares a value for the database, decided once per field, not per value
    (an import prepares some thirty values per row)."""
    if isinstance(field, PLAIN_FIELDS) and not isinstance(field, EncryptedCharField):
        return _unchanged
    on_postgresql = connection.vendor == "postgresql"

    def convert(value: Any) -> Any:
        if value is None or (on_postgresql and _as_is_on_postgresql(field, value)):
            return value
        return field.get_db_prep_save(value, connection)

    return convert


def _as_is_on_postgresql(field: models.Field[Any, Any], value: Any) -> bool:
    """Values whose preparation on PostgreSQL gives them back unchanged (its adapt_* for
    dates, datetimes and decimals return the value; ``to_python`` keeps a finite Decimal, a
    date, an aware datetime): the per-value calls are skipped, the row is the same."""
    if isinstance(field, DecimalField):
        return type(value) is Decimal and value.is_finite()
    if isinstance(field, DateTimeField):
        return type(value) is datetime.datetime and (value.tzinfo is not None) == settings.USE_TZ
    if isinstance(field, DateField):
        return type(value) is datetime.date
    return False


def _field_values(
    objects: Sequence[models.Model], fields: Sequence[models.Field[Any, Any]]
) -> Iterator[list[Any]]:
    """Each object's values for `fields`, as ``bulk_create`` would write them: auto_now fields
    and lookup digests filled by ``pre_save``, values prepared by their fields (plain ones as
    they are, encrypted ones encrypted)."""
    stamped = [
        f
        for f in fields
        if getattr(f, "auto_now", False)
        or getattr(f, "auto_now_add", False)
        or isinstance(f, LookupDigestField)
    ]
    columns = [(f.attname, _db_converter(f)) for f in fields]
    for obj in objects:
        for f in stamped:
            f.pre_save(obj, add=True)
        yield [convert(getattr(obj, attname)) for attname, convert in columns]


def insert_returning_ids(objects: Sequence[models.Model]) -> None:
    """Insert new model instances (defaults already set) and set their ids.

    PostgreSQL: the ids are taken from the table's sequence first, then the rows (ids
    included) go in with COPY: no statement to parse per row, and none of the ORM's per-value
    compiler work. SQLite: multi-row INSERT … RETURNING, as many rows per statement as the
    library's parameter limit allows (Django assumes 999). Both write the values
    ``_field_values`` prepares, so both give the same rows."""
    if not objects:
        return
    model = type(objects[0])
    meta = model._meta
    pk = meta.pk
    if pk is None:  # every concrete model has one; for the type checker
        raise TypeError(f"{meta.label} has no primary key")
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, pk.column, len(objects)],
            )
            ids = [row[0] for row in cursor.fetchall()]
            rows = (
                [pk_value, *values]
                for pk_value, values in zip(ids, _field_values(objects, fields), strict=True)
            )
            _copy_rows(cursor, meta.db_table, [pk, *fields], rows)
            for obj, pk_value in zip(objects, ids, strict=True):
                obj.pk = pk_value
                obj._state.adding = False
                obj._state.db = connection.alias
            return
        head = "INSERT INTO {} ({}) VALUES ".format(  # noqa: S608 - names from the model
            table, ", ".join(quote(str(f.column)) for f in fields)
        )
        row_sql = "({})".format(", ".join(["%s"] * len(fields)))
        returning = f" RETURNING {quote(str(pk.column))}"
        per_statement = max(_max_query_params() // len(fields), 1)
        for start in range(0, len(objects), per_statement):
            batch = objects[start : start + per_statement]
            params = [value for values in _field_values(batch, fields) for value in values]
            cursor.execute(head + ", ".join([row_sql] * len(batch)) + returning, params)
            for obj, (pk_value,) in zip(batch, cursor.fetchall(), strict=True):
                obj.pk = pk_value
                obj._state.adding = False
                obj._state.db = connection.alias


def _copy_rows(
    cursor: Any,
    db_table: str,
    fields: Sequence[models.Field[Any, Any]],
    rows: Iterable[Sequence[Any]],
) -> None:
    """PostgreSQL COPY … FROM STDIN of prepared rows (psycopg adapts each value by its type,
    as it does for a query's parameters)."""
    quote = connection.ops.quote_name
    sql = "COPY {} ({}) FROM STDIN".format(
        quote(db_table), ", ".join(quote(str(f.column)) for f in fields)
    )
    # Django's cursor wrapper is bypassed: its error translation (a unique violation is an
    # IntegrityError, which sends the chunk down the row-by-row path) is not.
    with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _max_query_params() -> int:
    """Parameters one statement may carry: SQLite says its own limit (32,766 since 3.32;
    Django assumes 999)."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        raw = connection.connection
        if raw is not None and hasattr(raw, "getlimit"):
            return int(raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    return connection.features.max_query_params or 999


def insert_many(
    model: type[models.Model], attnames: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT rows whose ids nobody needs, each value prepared by its field as the ORM would:
    COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    fields = [next(f for f in model._meta.concrete_fields if f.attname == a) for a in attnames]
    converters = [_db_converter(f) for f in fields]
    params = [
        [convert(value) for convert, value in zip(converters, row, strict=True)] for row in rows
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _copy_rows(cursor, model._meta.db_table, fields, params)
            return
        quote = connection.ops.quote_name
        sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - names from the model
            quote(model._meta.db_table),
            ", ".join(quote(str(f.column)) for f in fields),
            ", ".join(["%s"] * len(fields)),
        )
        cursor.executemany(sql, params)
