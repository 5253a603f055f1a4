"""`manage.py backup` and `manage.py restore`: the database, the media files and the keys'
fingerprints (never the keys), with a manifest that lets a restore prove it is complete.

A backup is a folder::

    manifest.json     when, which database engine, the row count of every table, the SHA-256
                      of every media file, the fingerprints of the personal-data keys
    database.dump     PostgreSQL: pg_dump custom format (restored with pg_restore)
    database.sqlite3  SQLite: a copy made with SQLite's online backup API (consistent while
                      the site runs)
    media/            the uploaded files, as they are under MEDIA_ROOT

Consistency: on PostgreSQL the row counts are read in the same snapshot pg_dump dumps
(`pg_export_snapshot` + `pg_dump --snapshot`); on SQLite they are read from the copy itself.
Media files are copied after the database: a file uploaded meanwhile is an orphan in the copy
(`cleanup_orphan_files` removes it); a file deleted meanwhile is reported missing on restore.

A restore goes into an **empty** database (or `--force`), copies the files back, then counts the
rows of every table and hashes every file and compares them with the manifest; any difference
fails the command. The keys are not in the backup: the restore checks that the keys configured
now have the fingerprints recorded, so the encrypted ID numbers will read (docs/security.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection
from django.utils import timezone

from .audit import audit_record, sm3
from .crypto import parse_audit_key, parse_keys
from .models import AuditResult

MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
MEDIA = "media"
FORMAT = 1


class BackupError(RuntimeError):
    """A backup or restore that cannot be done or did not come out whole (message in Chinese)."""


# --- pieces ----------------------------------------------------------------------------------


def key_fingerprints() -> dict[str, str]:
    """SM3 fingerprints of the configured keys (16 hex digits each); the keys stay out."""
    ring = parse_keys(settings.PERSONAL_DATA_KEYS, settings.LOOKUP_KEY)
    prints = {
        f"personal_data:{key_id}": sm3(b"xueshi key fingerprint\x00" + key)[:16]
        for key_id, key in ring.keys.items()
    }
    prints["lookup"] = sm3(b"xueshi key fingerprint\x00" + ring.lookup_key)[:16]
    audit_key = parse_audit_key(settings.AUDIT_CHAIN_KEY)
    prints["audit_chain"] = sm3(b"xueshi key fingerprint\x00" + audit_key)[:16]
    return prints


def walk_files(root: Path) -> Iterator[Path]:
    if not root.exists():
        return
    for folder, _, names in os.walk(root):
        for name in names:
            yield Path(folder) / name


def file_checksums(root: Path) -> dict[str, str]:
    """Relative path (with /) → SHA-256 of every file under `root`."""
    sums = {}
    for path in walk_files(root):
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        sums[path.relative_to(root).as_posix()] = digest.hexdigest()
    return dict(sorted(sums.items()))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def count_rows(cursor: Any, tables: Sequence[str]) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 (quoted name)
        counts[table] = int(cursor.fetchone()[0])
    return counts


def sqlite_tables(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    return [row[0] for row in cursor.fetchall()]


def postgres_tables(cursor: Any) -> list[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return [row[0] for row in cursor.fetchall()]


def _pg_env(db: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if db.get(key):
            env[variable] = str(db[key])
    return env


def _pg_conninfo(db: dict[str, Any], name: str | None = None) -> str:
    parts = {
        "dbname": name or db["NAME"],
        "host": db.get("HOST") or "",
        "port": str(db.get("PORT") or ""),
        "user": db.get("USER") or "",
        "password": db.get("PASSWORD") or "",
    }
    return " ".join(f"{key}='{value}'" for key, value in parts.items() if value)


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} 失败：{done.stderr.strip()[:500]}")


# --- backup ----------------------------------------------------------------------------------


@dataclass
class Manifest:
    created_at: str
    engine: str
    tables: dict[str, int]
    files: dict[str, str]
    keys: dict[str, str]
    format: int = FORMAT

    def write(self, folder: Path) -> None:
        (folder / MANIFEST).write_text(
            json.dumps(self.__dict__, ensure_ascii=False, indent=1), encoding="utf-8"
        )

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        try:
            data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError as error:
            raise BackupError(f"{folder} 中没有 {MANIFEST}，不是一份完整的备份。") from error
        if data.get("format") != FORMAT:
            raise BackupError("备份格式版本不符。")
        return cls(**data)


def _backup_sqlite(folder: Path) -> dict[str, int]:
    connection.ensure_connection()
    target = sqlite3.connect(folder / SQLITE_COPY)
    try:
        connection.connection.backup(target)  # the online backup API: consistent, no lock held
        return count_rows(target.cursor(), sqlite_tables(target.cursor()))
    finally:
        target.close()


def _backup_postgres(folder: Path) -> dict[str, int]:
    db = connection.settings_dict
    with psycopg.connect(_pg_conninfo(db)) as snapshot_connection:
        snapshot_connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with snapshot_connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]  # type: ignore[index]
            counts = count_rows(cursor, postgres_tables(cursor))
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={folder / PG_DUMP}",
                    str(db["NAME"]),
                ],
                _pg_env(db),
            )
    return counts


def backup_create(folder: Path) -> Manifest:
    """Writes a backup of the database, the media files and the key fingerprints to `folder`
    (created; it must not hold a backup already)."""
    folder.mkdir(parents=True, exist_ok=True)
    if (folder / MANIFEST).exists():
        raise BackupError(f"{folder} 中已有一份备份，请换一个目录。")
    if connection.vendor == "postgresql":
        tables = _backup_postgres(folder)
    elif connection.vendor == "sqlite":
        tables = _backup_sqlite(folder)
    else:
        raise BackupError(f"不支持的数据库：{connection.vendor}")
    media_root = Path(settings.MEDIA_ROOT)
    if media_root.exists():
        shutil.copytree(media_root, folder / MEDIA, dirs_exist_ok=False)
    else:
        (folder / MEDIA).mkdir()
    manifest = Manifest(
        created_at=timezone.now().isoformat(),
        engine=connection.vendor,
        tables=tables,
        files=file_checksums(folder / MEDIA),
        keys=key_fingerprints(),
    )
    manifest.write(folder)
    audit_record(
        action="system.backup",
        reason=str(folder),
        details={"tables": len(tables), "rows": sum(tables.values()), "files": len(manifest.files)},
    )
    return manifest


# --- restore ---------------------------------------------------------------------------------


@dataclass
class RestoreReport:
    tables: int = 0
    rows: int = 0
    files: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def compare(manifest: Manifest, tables: dict[str, int], files: dict[str, str]) -> RestoreReport:
    report = RestoreReport(tables=len(tables), rows=sum(tables.values()), files=len(files))
    for table, expected in manifest.tables.items():
        found = tables.get(table)
        if found != expected:
            report.problems.append(f"表 {table}：备份 {expected} 行，恢复后 {found} 行")
    for name, digest in manifest.files.items():
        if name not in files:
            report.problems.append(f"文件缺失：{name}")
        elif files[name] != digest:
            report.problems.append(f"文件校验值不符：{name}")
    return report


def check_keys(manifest: Manifest) -> list[str]:
    """What the configured keys lack to read the backup's encrypted data."""
    now = key_fingerprints()
    missing = []
    for name, fingerprint in manifest.keys.items():
        if name.startswith("personal_data:") and now.get(name) != fingerprint:
            missing.append(f"缺少个人信息密钥 {name.split(':', 1)[1]}（指纹 {fingerprint}）")
    if manifest.keys.get("lookup") != now.get("lookup"):
        missing.append(f"LOOKUP_KEY 与备份时不同（指纹 {manifest.keys.get('lookup')}）")
    # Older backups carry no audit key fingerprint: nothing to compare.
    if "audit_chain" in manifest.keys and manifest.keys["audit_chain"] != now["audit_chain"]:
        fingerprint = manifest.keys["audit_chain"]
        missing.append(f"AUDIT_CHAIN_KEY 与备份时不同，审计日志将无法校验（指纹 {fingerprint}）")
    return missing


def _restore_sqlite(folder: Path, target: Path, force: bool) -> dict[str, int]:
    target.parent.mkdir(parents=True, exist_ok=True)
    destination = sqlite3.connect(target)
    try:
        if sqlite_tables(destination.cursor()) and not force:
            raise BackupError(f"目标数据库 {target} 不是空的；确认覆盖请加 --force。")
        source = sqlite3.connect(f"file:{folder / SQLITE_COPY}?mode=ro", uri=True)
        try:
            source.backup(destination)
        finally:
            source.close()
        return count_rows(destination.cursor(), sqlite_tables(destination.cursor()))
    finally:
        destination.close()


def _restore_postgres(folder: Path, name: str, force: bool) -> dict[str, int]:
    db = connection.settings_dict
    with psycopg.connect(_pg_conninfo(db, name), autocommit=True) as target:
        with target.cursor() as cursor:
            if postgres_tables(cursor) and not force:
                raise BackupError(f"目标数据库 {name} 不是空的；确认覆盖请加 --force。")
        command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error"]
        if force:
            command += ["--clean", "--if-exists"]
        _run([*command, f"--dbname={name}", str(folder / PG_DUMP)], _pg_env(db))
        with target.cursor() as cursor:
            return count_rows(cursor, postgres_tables(cursor))


def backup_restore(
    folder: Path,
    *,
    database: str | None = None,
    media_root: Path | None = None,
    force: bool = False,
    ignore_keys: bool = False,
) -> RestoreReport:
    """Restores `folder` into `database` (a SQLite path or a PostgreSQL database name; the
    configured one by default) and `media_root`, then compares everything with the manifest."""
    manifest = Manifest.read(folder)
    if manifest.engine != connection.vendor:
        raise BackupError(f"备份来自 {manifest.engine}，当前数据库是 {connection.vendor}。")
    key_problems = check_keys(manifest)
    if key_problems and not ignore_keys:
        raise BackupError("；".join(key_problems) + "。恢复后身份证号将无法读取。")
    if manifest.engine == "sqlite":
        target = Path(database or connection.settings_dict["NAME"])
        if database is None:
            connection.close()  # the file is about to be replaced under this connection
        tables = _restore_sqlite(folder, target, force)
    else:
        tables = _restore_postgres(folder, database or str(connection.settings_dict["NAME"]), force)
    media_target = Path(media_root or settings.MEDIA_ROOT)
    media_target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(folder / MEDIA, media_target, dirs_exist_ok=True)
    report = compare(manifest, tables, file_checksums(media_target))
    audit_record(
        action="system.restore",
        reason=str(folder),
        result=AuditResult.SUCCESS if report.ok else AuditResult.FAILURE,
        details={"tables": report.tables, "rows": report.rows, "problems": report.problems[:50]},
    )
    return report
