"""`manage.py backup` / `restore` (issue 21 part 6): a backup restored into an empty database
has every table's rows and every file, byte for byte; on SQLite and on PostgreSQL
(DATABASE_URL=postgres://…)."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from xueshi.core.backup import (
    MANIFEST,
    _pg_conninfo,
    count_rows,
    postgres_tables,
    sqlite_tables,
)
from xueshi.core.models import AuditLog
from xueshi.portal.demo import load_demo

pytestmark = pytest.mark.django_db(transaction=True)

RARE = "𠮷-ئۇيغۇرچە"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _live_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = sqlite_tables(cursor) if connection.vendor == "sqlite" else postgres_tables(cursor)
        return count_rows(cursor, tables)


def _media_sums(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): _sha(p) for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def site(settings: Any) -> Path:
    """The demo with claims, plus files in the media folder (one with a rare-character name)."""
    load_demo(claims=True)
    default_storage.save("evidence/2025/证书.pdf", ContentFile(b"%PDF-1.4 certificate"))
    default_storage.save(
        f"evidence/2025/{RARE}.png", ContentFile(b"\x89PNG\r\n\x1a\n" + b"1" * 5000)
    )
    default_storage.save("jobs/export.csv", ContentFile("姓名\n𠮷\n".encode()))
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def empty_target(tmp_path: Path) -> Iterator[str]:
    """An empty database of the current engine: a new SQLite file or a new PostgreSQL database."""
    if connection.vendor == "sqlite":
        yield str(tmp_path / "restored.sqlite3")
        return
    name = f"{connection.settings_dict['NAME']}_restore"
    admin = psycopg.connect(_pg_conninfo(connection.settings_dict), autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _target_counts(target: str) -> dict[str, int]:
    if connection.vendor == "sqlite":
        copy = sqlite3.connect(target)
        try:
            return count_rows(copy.cursor(), sqlite_tables(copy.cursor()))
        finally:
            copy.close()
    with (
        psycopg.connect(_pg_conninfo(connection.settings_dict, target)) as restored,
        restored.cursor() as cursor,
    ):
        return count_rows(cursor, postgres_tables(cursor))


def test_a_backup_restored_into_an_empty_database_has_every_row_and_file(
    site: Path, empty_target: str, tmp_path: Path
) -> None:
    before = _live_counts()
    files_before = _media_sums(site)
    assert before["declarations_declaration"] > 0 and len(files_before) >= 3

    out = io.StringIO()
    call_command("backup", str(tmp_path / "bk"), stdout=out)
    assert out.getvalue().startswith("OK ")

    restored_media = tmp_path / "restored-media"
    out = io.StringIO()
    call_command(
        "restore",
        str(tmp_path / "bk"),
        "--database",
        empty_target,
        "--media-root",
        str(restored_media),
        stdout=out,
    )

    assert "match the backup" in out.getvalue()
    after = _target_counts(empty_target)
    # Every table of the live database, row for row (the backup's own audit row comes after
    # the copy, so it is not in it).
    assert after == before
    assert _media_sums(restored_media) == files_before
    assert (restored_media / f"evidence/2025/{RARE}.png").exists()
    assert AuditLog.objects.filter(action="system.backup").count() == 1
    assert AuditLog.objects.filter(action="system.restore", result="success").count() == 1


def test_the_backup_holds_key_fingerprints_never_the_keys(
    site: Path, tmp_path: Path, settings: Any
) -> None:
    call_command("backup", str(tmp_path / "bk"), stdout=io.StringIO())

    text = (tmp_path / "bk" / MANIFEST).read_text(encoding="utf-8")
    manifest = json.loads(text)
    assert set(manifest["keys"]) == {"personal_data:dev1", "lookup", "audit_chain"}
    for entry in settings.PERSONAL_DATA_KEYS:
        assert entry.split(":", 1)[1] not in text
    assert settings.LOOKUP_KEY not in text and settings.AUDIT_CHAIN_KEY not in text
    dump = b"".join(p.read_bytes() for p in (tmp_path / "bk").glob("database.*"))
    for entry in settings.PERSONAL_DATA_KEYS:
        assert entry.split(":", 1)[1].encode() not in dump


def test_a_changed_file_in_the_backup_fails_the_restore(
    site: Path, empty_target: str, tmp_path: Path
) -> None:
    call_command("backup", str(tmp_path / "bk"), stdout=io.StringIO())
    (tmp_path / "bk" / "media" / "jobs" / "export.csv").write_bytes(b"changed")

    err = io.StringIO()
    with pytest.raises(CommandError, match="恢复不完整"):
        call_command(
            "restore",
            str(tmp_path / "bk"),
            "--database",
            empty_target,
            "--media-root",
            str(tmp_path / "m2"),
            stderr=err,
        )
    assert "文件校验值不符：jobs/export.csv" in err.getvalue()


def test_restore_refuses_a_database_that_is_not_empty(site: Path, tmp_path: Path) -> None:
    call_command("backup", str(tmp_path / "bk"), stdout=io.StringIO())
    current = str(connection.settings_dict["NAME"])

    with pytest.raises(CommandError, match="不是空的"):
        call_command("restore", str(tmp_path / "bk"), "--database", current)


def test_restore_refuses_other_keys(
    site: Path, empty_target: str, tmp_path: Path, settings: Any
) -> None:
    call_command("backup", str(tmp_path / "bk"), stdout=io.StringIO())
    settings.PERSONAL_DATA_KEYS = ["k2:" + "ab" * 16]

    with pytest.raises(CommandError, match="缺少个人信息密钥 dev1"):
        call_command("restore", str(tmp_path / "bk"), "--database", empty_target)


def test_restore_refuses_another_audit_chain_key(
    site: Path, empty_target: str, tmp_path: Path, settings: Any
) -> None:
    call_command("backup", str(tmp_path / "bk"), stdout=io.StringIO())
    settings.AUDIT_CHAIN_KEY = "ab" * 32

    with pytest.raises(CommandError, match="AUDIT_CHAIN_KEY 与备份时不同"):
        call_command("restore", str(tmp_path / "bk"), "--database", empty_target)
