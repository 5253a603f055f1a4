"""The audit log is append-only in the database and chained with SM3 (core/audit*.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.utils import timezone

from xueshi.core.audit import (
    GENESIS_DIGEST,
    audit_chain_verify,
    audit_digest,
    audit_record,
    legacy_audit_digest,
    sm3,
)
from xueshi.core.audit_guards import guards_lifted
from xueshi.core.checks import check_audit_retention
from xueshi.core.models import AuditLog

pytestmark = pytest.mark.django_db


def _raw(sql: str, params: list[int | str] | None = None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def test_raw_sql_update_of_an_audit_row_is_refused():
    row = audit_record(action="test.one", reason="原始")
    with pytest.raises(DatabaseError):
        _raw("UPDATE core_auditlog SET reason = %s WHERE id = %s", ["改过", row.pk])
    assert AuditLog.objects.get(pk=row.pk).reason == "原始"


def test_raw_sql_delete_of_an_audit_row_is_refused():
    row = audit_record(action="test.one")
    with pytest.raises(DatabaseError):
        _raw("DELETE FROM core_auditlog WHERE id = %s", [row.pk])
    with pytest.raises(DatabaseError):
        _raw("DELETE FROM core_auditlog")
    assert AuditLog.objects.filter(pk=row.pk).exists()


def test_queryset_update_and_delete_are_refused_too():
    row = audit_record(action="test.one")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=row.pk).update(action="test.two")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditLog.objects.filter(pk=row.pk).delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE: PostgreSQL only")
def test_truncate_is_refused_on_postgresql():
    audit_record(action="test.one")
    with pytest.raises(DatabaseError):
        _raw("TRUNCATE core_auditlog")
    assert AuditLog.objects.exists()


def _age(row: AuditLog, days: int) -> None:
    """Back-date a row (the guards are lifted only for this) and re-chain from it on."""
    with guards_lifted(connection, update=True):
        AuditLog.objects.filter(pk=row.pk).update(at=timezone.now() - timedelta(days=days))
        _rechain()


def _rechain() -> None:
    previous = GENESIS_DIGEST
    for row in AuditLog.objects.order_by("id"):
        digest = audit_digest(previous, row)
        AuditLog.objects.filter(pk=row.pk).update(digest=digest)
        previous = digest


def test_a_row_older_than_the_legal_minimum_may_be_deleted_a_newer_one_not():
    old = audit_record(action="test.old")
    new = audit_record(action="test.new")
    _age(old, 185)
    with pytest.raises(DatabaseError):
        _raw("DELETE FROM core_auditlog WHERE id = %s", [new.pk])
    _raw("DELETE FROM core_auditlog WHERE id = %s", [old.pk])
    assert list(AuditLog.objects.values_list("pk", flat=True)) == [new.pk]


def test_the_chain_links_each_row_to_the_one_before():
    first = audit_record(action="test.one", details={"b": 1, "a": [1, "二"]})
    second = audit_record(action="test.two")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.digest == audit_digest(GENESIS_DIGEST, first)
    assert second.digest == audit_digest(first.digest, second)
    assert len(second.digest) == 64
    assert sm3(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert audit_chain_verify().ok


def test_verify_audit_reports_ok_with_the_row_count(capsys):
    for n in range(3):
        audit_record(action=f"test.{n}")
    call_command("verify_audit")
    assert "OK 3 rows" in capsys.readouterr().out


def test_verify_audit_finds_an_edited_row(capsys):
    rows = [audit_record(action=f"test.{n}") for n in range(4)]
    with guards_lifted(connection, update=True):
        AuditLog.objects.filter(pk=rows[2].pk).update(reason="事后改的")
    with pytest.raises(SystemExit) as exit_:
        call_command("verify_audit")
    assert exit_.value.code == 1
    assert f"#{rows[2].pk}" in capsys.readouterr().err


def test_verify_audit_finds_an_edited_digest():
    rows = [audit_record(action=f"test.{n}") for n in range(3)]
    with guards_lifted(connection, update=True):
        AuditLog.objects.filter(pk=rows[1].pk).update(digest="f" * 64)
    assert audit_chain_verify().broken_id == rows[1].pk


def test_verify_audit_finds_a_deleted_row_by_the_one_after_it():
    rows = [audit_record(action=f"test.{n}") for n in range(4)]
    with guards_lifted(connection):
        AuditLog.objects.filter(pk=rows[1].pk).delete()
    assert audit_chain_verify().broken_id == rows[2].pk


def test_verify_audit_finds_a_deleted_first_row():
    rows = [audit_record(action=f"test.{n}") for n in range(3)]
    with guards_lifted(connection):
        AuditLog.objects.filter(pk=rows[0].pk).delete()
    assert audit_chain_verify().broken_id == rows[1].pk


def test_purge_audit_removes_only_rows_past_retention_and_keeps_the_chain_verifiable(
    settings, capsys
):
    settings.AUDIT_RETENTION_DAYS = 200
    rows = [audit_record(action=f"test.{n}") for n in range(4)]
    with guards_lifted(connection, update=True):
        for row, days in zip(rows, [400, 300, 190, 0], strict=True):
            AuditLog.objects.filter(pk=row.pk).update(at=timezone.now() - timedelta(days=days))
        _rechain()
    call_command("purge_audit")
    assert "2 rows older than 200 days deleted" in capsys.readouterr().out
    left = list(AuditLog.objects.order_by("id").values_list("action", flat=True))
    assert left == ["test.2", "test.3", "audit.purge"]
    purge = AuditLog.objects.get(action="audit.purge")
    assert purge.details["through_id"] == rows[1].pk
    call_command("verify_audit")
    assert "OK 3 rows" in capsys.readouterr().out


def test_a_retention_below_184_days_fails_the_system_check(settings):
    settings.AUDIT_RETENTION_DAYS = 90
    assert [error.id for error in check_audit_retention()] == ["xueshi.E101"]
    settings.AUDIT_RETENTION_DAYS = 184
    assert check_audit_retention() == []


def _rebuild_unkeyed(rows) -> None:
    """What someone past the trigger but without the key can do: plain SM3 from genesis."""
    previous = GENESIS_DIGEST
    for row in rows:
        previous = legacy_audit_digest(previous, row)
        AuditLog.objects.filter(pk=row.pk).update(digest=previous)


def test_the_chain_is_keyed_an_unkeyed_rebuild_after_an_edit_is_caught():
    first = audit_record(action="test.one", reason="原始")
    audit_record(action="test.two")
    first.refresh_from_db()
    # Without the key the digest cannot be recomputed: it is not the plain SM3 of the input.
    assert first.digest != legacy_audit_digest(GENESIS_DIGEST, first)
    # Someone past the trigger edits a row and rebuilds the whole chain with plain SM3.
    with guards_lifted(connection, update=True):
        AuditLog.objects.filter(pk=first.pk).update(reason="改过")
        _rebuild_unkeyed(AuditLog.objects.order_by("id"))
    report = audit_chain_verify()
    assert not report.ok and report.broken_id == first.pk


def test_rows_from_before_the_key_verify_up_to_the_configured_id_only(settings):
    rows = [audit_record(action=f"test.{n}") for n in range(3)]
    # A database upgraded from the unkeyed chain: its rows carry plain SM3 digests.
    with guards_lifted(connection, update=True):
        _rebuild_unkeyed(AuditLog.objects.order_by("id"))
    audit_record(action="test.keyed")  # the first row after the upgrade, keyed
    settings.AUDIT_CHAIN_LEGACY_UNTIL_ID = rows[-1].pk
    report = audit_chain_verify()
    assert report.ok and report.legacy_rows == 3 and report.rows == 4
    # Had the upgrade been at an earlier row, a later unkeyed row is a forgery.
    settings.AUDIT_CHAIN_LEGACY_UNTIL_ID = rows[0].pk
    report = audit_chain_verify()
    assert report.broken_id == rows[1].pk


def test_a_different_key_breaks_the_whole_chain():
    audit_record(action="test.one")
    assert audit_chain_verify().ok
    with override_settings(AUDIT_CHAIN_KEY="ab" * 32):
        report = audit_chain_verify()
    assert not report.ok and report.rows == 0


def test_legacy_rows_are_accepted_only_before_the_first_keyed_row(settings):
    keyed = audit_record(action="test.keyed")
    legacy = audit_record(action="test.legacy")
    keyed.refresh_from_db()
    with guards_lifted(connection, update=True):
        AuditLog.objects.filter(pk=legacy.pk).update(
            digest=legacy_audit_digest(keyed.digest, legacy)
        )
    settings.AUDIT_CHAIN_LEGACY_UNTIL_ID = legacy.pk
    report = audit_chain_verify()
    assert report.broken_id == legacy.pk and report.rows == 1
