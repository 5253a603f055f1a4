"""Writes on the ledger. Hours move only through an entry: approval, deletion, import."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from xueshi.accounts.models import Person, RoleAssignment, RoleKind
from xueshi.accounts.permissions import people_in_scope
from xueshi.core.audit import audit_record
from xueshi.core.errors import error_text
from xueshi.core.identifiers import clean_id_number
from xueshi.declarations.models import Declaration

from .events import year_totals_changed
from .models import EntrySource, GeneralRecord, LedgerEntry, SubjectKind, YearTotal

ZERO = Decimal(0)


def _post(
    *,
    person_id: int,
    credit_year: int,
    subject: str,
    hours: Decimal,
    source: str,
    category_code: str = "",
    declaration: Declaration | None = None,
    general_record: GeneralRecord | None = None,
    source_ref: str = "",
    source_label: str = "",
) -> LedgerEntry:
    """Append one entry and move the stored yearly sum by the same amount, atomically, and
    announce it (`events.year_totals_changed`) inside the same transaction."""
    entry = LedgerEntry.objects.create(
        source_ref=source_ref,
        source_label=source_label,
        person_id=person_id,
        credit_year=credit_year,
        subject=subject,
        hours=hours,
        source=source,
        category_code=category_code,
        declaration=declaration,
        general_record=general_record,
    )
    _add_to_year(person_id, credit_year, subject, hours)
    year_totals_changed.send(
        sender=LedgerEntry,
        person_id=person_id,
        credit_year=credit_year,
        change=hours,
        source=source,
        declaration=declaration,
    )
    return entry


# The year's row is made with the first entry and moved by the entry's hours, in one statement
# (PostgreSQL and SQLite alike); `updated_at` is the row's creation, as before.
_ADD_TO_YEAR = """
INSERT INTO {table} (person_id, credit_year, general_hours, professional_hours, updated_at)
VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (person_id, credit_year) DO UPDATE SET
    general_hours = {table}.general_hours + excluded.general_hours,
    professional_hours = {table}.professional_hours + excluded.professional_hours
"""


def _add_to_year(person_id: int, credit_year: int, subject: str, hours: Decimal) -> None:
    general = hours if subject == SubjectKind.GENERAL else ZERO
    professional = ZERO if subject == SubjectKind.GENERAL else hours
    with connection.cursor() as cursor:
        cursor.execute(
            _ADD_TO_YEAR.format(table=YearTotal._meta.db_table),
            [person_id, credit_year, general, professional, timezone.now()],
        )


@transaction.atomic(savepoint=False)
def ledger_record_approval(*, declaration: Declaration) -> LedgerEntry:
    """A final approval adds the hours granted to the claim's credit year."""
    return _post(
        person_id=declaration.person_id,
        credit_year=declaration.credit_year,
        subject=SubjectKind.PROFESSIONAL,
        hours=declaration.hours_counted,
        source=EntrySource.APPROVAL,
        category_code=declaration.category_code,
        declaration=declaration,
    )


@transaction.atomic
def ledger_record_deletion(*, declaration: Declaration) -> LedgerEntry | None:
    """Removing an approved claim takes back exactly what it still holds in the ledger: its
    approval, less what a sample audit already took back (抽查核减)."""
    entries = LedgerEntry.objects.filter(declaration=declaration)
    approval = entries.filter(source=EntrySource.APPROVAL).first()
    if approval is None:
        return None
    held = entries.aggregate(total=Sum("hours"))["total"] or Decimal(0)
    if held == 0:
        return None
    return _post(
        person_id=approval.person_id,
        credit_year=approval.credit_year,
        subject=approval.subject,
        hours=-held,
        source=EntrySource.DELETION,
        category_code=approval.category_code,
        declaration=declaration,
    )


@transaction.atomic
def ledger_record_audit(*, declaration: Declaration, revoked: bool) -> LedgerEntry | None:
    """A sample audit lowered (or revoked) an approved claim: post what brings the claim's net
    hours in the ledger to what the audit left (0 when revoked), once per kind of verdict."""
    entries = LedgerEntry.objects.filter(declaration=declaration)
    approval = entries.filter(source=EntrySource.APPROVAL).first()
    if approval is None:
        return None
    source = EntrySource.AUDIT_REVOCATION if revoked else EntrySource.AUDIT_CORRECTION
    if entries.filter(source=source).exists():
        # Each kind counts once per claim; the whole move is refused and rolled back.
        raise AlreadyRecorded("该申报已在抽查中核减过学时，不能再次核减；如仍有问题请撤销认定。")
    net = entries.aggregate(hours=Sum("hours"))["hours"] or ZERO
    target = ZERO if revoked else Decimal(declaration.hours_counted)
    if target == net:
        return None
    return _post(
        person_id=approval.person_id,
        credit_year=approval.credit_year,
        subject=approval.subject,
        hours=target - net,
        source=source,
        category_code=approval.category_code,
        declaration=declaration,
    )


class AlreadyRecorded(ValidationError):
    """The source's hours are in the ledger already: an approval counts once."""


@transaction.atomic
def ledger_record_source(
    *,
    person_id: int,
    credit_year: int,
    source_ref: str,
    label: str,
    hours_by_category: dict[str, Decimal],
    source: str = EntrySource.APPLICATION,
    general_hours: Decimal = ZERO,
) -> list[LedgerEntry]:
    """Professional hours from an item of a higher app (the yearly application), one entry per
    category so yearly caps still apply, and general hours where the source certifies some (a
    transfer from another region); refused if the source is recorded already."""
    if not source_ref:
        raise ValueError("source_ref is required")
    if LedgerEntry.objects.filter(source=source, source_ref=source_ref).exists():
        raise AlreadyRecorded("该申请书的学时已计入台账，不能重复计入。")
    try:
        with transaction.atomic():
            general = (
                [
                    _post(
                        person_id=person_id,
                        credit_year=credit_year,
                        subject=SubjectKind.GENERAL,
                        hours=general_hours,
                        source=source,
                        source_ref=source_ref,
                        source_label=label[:200],
                    )
                ]
                if general_hours
                else []
            )
            return general + [
                _post(
                    person_id=person_id,
                    credit_year=credit_year,
                    subject=SubjectKind.PROFESSIONAL,
                    hours=hours,
                    source=source,
                    category_code=code,
                    source_ref=source_ref,
                    source_label=label[:200],
                )
                for code, hours in hours_by_category.items()
                if hours
            ]
    except IntegrityError as error:  # recorded at the same moment by another transaction
        raise AlreadyRecorded("该申请书的学时已计入台账，不能重复计入。") from error


# --- general-subject records ---------------------------------------------------------------


@dataclass(frozen=True)
class GeneralRecordRow:
    """One course completion as a file or the API sends it."""

    row_number: int
    id_number: str
    name: str
    course: str
    hours: Any
    completed_on: Any
    provider: str
    record_id: str


@dataclass
class ImportReport:
    created: int = 0
    unchanged: int = 0
    created_rows: list[int] = field(default_factory=list)  # row numbers newly recorded
    # (row number, what was wrong), in Chinese; unknown ID numbers are listed, never dropped.
    problems: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def rows_in_scope(
    rows: list[GeneralRecordRow], role: RoleAssignment
) -> tuple[list[GeneralRecordRow], list[tuple[int, str]]]:
    """Split imported rows: people the role may not record hours for are reported by row.

    Unknown ID numbers pass through, so the service reports them; a platform admin has no limit.
    """
    if role.kind == RoleKind.PLATFORM_ADMIN:
        return rows, []
    numbers = sorted({row.id_number.strip().upper() for row in rows})
    scope = people_in_scope(role).values("pk")
    outside: set[str] = set()
    for start in range(0, len(numbers), 5000):
        outside |= set(
            Person.objects.by_id_numbers(numbers[start : start + 5000])
            .exclude(pk__in=scope)
            .values_list("id_number", flat=True)
        )
    kept = [row for row in rows if row.id_number.strip().upper() not in outside]
    problems = [
        (row.row_number, f"身份证号 {row.id_number.strip().upper()} 的人员不在本机构管辖范围内。")
        for row in rows
        if row.id_number.strip().upper() in outside
    ]
    return kept, problems


def general_records_import(
    *,
    rows: Iterable[GeneralRecordRow],
    actor: Any = None,
    source_name: str = "",
    role: RoleAssignment | None = None,
) -> ImportReport:
    """Record course completions. Idempotent on (provider, record id); each row atomic.

    With `role` (the page, the API) only people in the role's scope are recorded; the others
    are reported by row. Without it (the operator's command, demo data) there is no limit.
    """
    report = ImportReport()
    if role is not None:
        rows, outside = rows_in_scope(list(rows), role)
        report.problems.extend(outside)
    for row in rows:
        try:
            created = _import_one(row)
        except ValidationError as error:
            report.problems.append((row.row_number, error_text(error)))
            continue
        if created:
            report.created += 1
            report.created_rows.append(row.row_number)
        else:
            report.unchanged += 1
    audit_record(
        action="ledger.general_import",
        actor=actor,
        details={
            "source": source_name,
            "created": report.created,
            "unchanged": report.unchanged,
            "problems": len(report.problems),
        },
    )
    return report


@transaction.atomic
def _import_one(row: GeneralRecordRow) -> bool:
    provider, record_id = str(row.provider or "").strip(), str(row.record_id or "").strip()
    if not provider or not record_id:
        raise ValidationError("缺少学习平台或平台记录号。")
    if GeneralRecord.objects.filter(provider=provider, record_id=record_id).exists():
        return False
    id_number = clean_id_number(str(row.id_number or ""))
    person = Person.objects.by_id_number(id_number).first()
    if person is None:
        raise ValidationError(f"身份证号 {id_number} 在平台中不存在。")
    if row.name and str(row.name).strip() != person.name:
        raise ValidationError(f"姓名“{row.name}”与身份证号 {id_number} 登记的姓名不一致。")
    hours = _hours(row.hours)
    completed_on = _date(row.completed_on)
    try:
        with transaction.atomic():
            record = GeneralRecord.objects.create(
                person=person,
                provider=provider,
                record_id=record_id,
                course=str(row.course or "").strip()[:200] or "（未命名课程）",
                hours=hours,
                completed_on=completed_on,
                credit_year=completed_on.year,
            )
    except IntegrityError:
        return False  # sent twice at the same moment: the other copy won
    _post(
        person_id=person.pk,
        credit_year=record.credit_year,
        subject=SubjectKind.GENERAL,
        hours=hours,
        source=EntrySource.GENERAL_RECORD,
        general_record=record,
    )
    return True


def _hours(value: Any) -> Decimal:
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as error:
        raise ValidationError(f"学时“{value}”不是数字。") from error
    if hours < 0 or hours > 1000:
        raise ValidationError(f"学时 {hours} 超出范围（0–1000）。")
    return hours


def _date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value or "").strip().replace("/", "-").replace(".", "-")
    try:
        return datetime.date.fromisoformat(text[:10])
    except ValueError as error:
        raise ValidationError(f"日期“{value}”格式不正确，应为 2025-03-01。") from error


# --- rebuild ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mismatch:
    person_id: int
    credit_year: int
    stored: tuple[Decimal, Decimal]
    from_entries: tuple[Decimal, Decimal]


def ledger_rebuild(*, fix: bool = False) -> list[Mismatch]:
    """Recompute every yearly sum from the entries (one GROUP BY) and compare with the stored.

    With `fix`, stored sums are replaced by the recomputed ones.
    """
    sums = (
        LedgerEntry.objects.values("person_id", "credit_year")
        .annotate(
            general=Coalesce(Sum("hours", filter=Q(subject=SubjectKind.GENERAL)), ZERO),
            professional=Coalesce(Sum("hours", filter=Q(subject=SubjectKind.PROFESSIONAL)), ZERO),
        )
        .order_by()
    )
    computed = {
        (row["person_id"], row["credit_year"]): (row["general"], row["professional"])
        for row in sums
    }
    stored = {
        (row.person_id, row.credit_year): (row.general_hours, row.professional_hours)
        for row in YearTotal.objects.all()
    }
    mismatches = [
        Mismatch(key[0], key[1], stored.get(key, (ZERO, ZERO)), computed.get(key, (ZERO, ZERO)))
        for key in sorted(set(computed) | set(stored))
        if stored.get(key, (ZERO, ZERO)) != computed.get(key, (ZERO, ZERO))
    ]
    if fix and mismatches:
        with transaction.atomic():
            for mismatch in mismatches:
                YearTotal.objects.update_or_create(
                    person_id=mismatch.person_id,
                    credit_year=mismatch.credit_year,
                    defaults={
                        "general_hours": mismatch.from_entries[0],
                        "professional_hours": mismatch.from_entries[1],
                    },
                )
    return mismatches
