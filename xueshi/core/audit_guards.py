"""Database triggers that keep the audit log append-only, whoever connects.

The ORM already refuses `save()` on an existing row and `delete()`, but the application's database
user could still run `UPDATE` or `DELETE` by hand. These triggers refuse both in the database:

- UPDATE: always refused.
- DELETE: refused for any row younger than `AUDIT_MIN_RETENTION_DAYS` (184, the legal minimum of
  GB/T 22239-2019 8.1.4.3 read with the Cybersecurity Law art. 21: six months). Older rows may be
  deleted, which is how `manage.py purge_audit` applies the configured retention; no setting,
  flag or session variable lets a newer row go.
- TRUNCATE (PostgreSQL only; SQLite has none): refused.

The SQL is kept here, not only in the migration, because the test suite must lift the DELETE and
TRUNCATE guards while Django flushes a transactional test's database (`conftest.py`), then put
them back. On PostgreSQL the table's owner can still drop a trigger: the operator runs the
application as a role that is not the owner and holds only SELECT and INSERT on the table
(docs/security.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "core_auditlog"
# Kept in step with the trigger text below; settings may only lengthen it (checks.py).
AUDIT_MIN_RETENTION_DAYS = 184

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION xueshi_auditlog_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION '审计日志只能追加，不能修改 (audit log is append-only)'
            USING ERRCODE = 'insufficient_privilege';
    ELSIF TG_OP = 'DELETE' THEN
        IF OLD.at >= now() - interval '{AUDIT_MIN_RETENTION_DAYS} days' THEN
            RAISE EXCEPTION '审计日志保存期内不能删除 (audit row within retention)'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN OLD;
    ELSIF TG_OP = 'TRUNCATE' THEN
        RAISE EXCEPTION '审计日志不能清空 (audit log cannot be truncated)'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

_PG_UPDATE = [
    f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION xueshi_auditlog_guard();",
]
_PG_DELETE = [
    f"CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION xueshi_auditlog_guard();",
    f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
    "FOR EACH STATEMENT EXECUTE FUNCTION xueshi_auditlog_guard();",
]
_PG_DROP_UPDATE = [f"DROP TRIGGER IF EXISTS {TABLE}_no_update ON {TABLE};"]
_PG_DROP_DELETE = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_delete ON {TABLE};",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE};",
]

# SQLite stores aware datetimes as UTC text 'YYYY-MM-DD HH:MM:SS[.ffffff]', so a text
# comparison with strftime('now') orders them correctly.
_SQLITE_UPDATE = [
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '审计日志只能追加，不能修改 (audit log is append-only)'); END;""",
]
_SQLITE_DELETE = [
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE}
    WHEN OLD.at >= strftime('%Y-%m-%d %H:%M:%f', 'now', '-{AUDIT_MIN_RETENTION_DAYS} days')
    BEGIN SELECT RAISE(ABORT, '审计日志保存期内不能删除 (audit row within retention)'); END;""",
]
_SQLITE_DROP_UPDATE = [f"DROP TRIGGER IF EXISTS {TABLE}_no_update;"]
_SQLITE_DROP_DELETE = [f"DROP TRIGGER IF EXISTS {TABLE}_no_delete;"]


def _run(connection: BaseDatabaseWrapper, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install_guards(connection: BaseDatabaseWrapper) -> None:
    """Create the triggers (idempotent)."""
    if connection.vendor == "postgresql":
        _run(connection, [_PG_FUNCTION, *_PG_DROP_UPDATE, *_PG_DROP_DELETE])
        _run(connection, [*_PG_UPDATE, *_PG_DELETE])
    elif connection.vendor == "sqlite":
        _run(connection, [*_SQLITE_UPDATE, *_SQLITE_DELETE])
    else:
        raise NotImplementedError(f"no audit guards for {connection.vendor}")


def remove_guards(connection: BaseDatabaseWrapper, *, update: bool = True) -> None:
    if connection.vendor == "postgresql":
        _run(connection, [*(_PG_DROP_UPDATE if update else []), *_PG_DROP_DELETE])
    elif connection.vendor == "sqlite":
        _run(connection, [*(_SQLITE_DROP_UPDATE if update else []), *_SQLITE_DROP_DELETE])


@contextmanager
def guards_lifted(connection: BaseDatabaseWrapper, *, update: bool = False) -> Iterator[None]:
    """Tests only: lift the DELETE/TRUNCATE guards (and UPDATE if asked), then restore them."""
    remove_guards(connection, update=update)
    try:
        yield
    finally:
        install_guards(connection)
