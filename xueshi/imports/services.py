"""Bulk imports: 导入学员培训信息 (draft claims registered by the unit) and 导入人员信息.

``import_start`` checks the whole file first (xlsx by content, not empty, the template's
headers) and refuses it with the reason before anything is stored. It then records an
``ImportBatch`` with the file and runs it at once (small files) or as a background task with
a progress bar (more than ``BACKGROUND_ROW_THRESHOLD`` rows). ``import_run`` does the work for
both, so the inline and background paths give the same result.

Rows are streamed and handled in chunks of ``CHUNK_SIZE``. For claims, each chunk is checked
with the same rules ``declarations.services.declaration_save`` applies (the same profile
version choice, scope, validator, credit years and hours calculator) with at most one query
per chunk for the people not yet seen in the file (people and their units are kept for the
whole file), and written with bulk inserts in one transaction together with the
fingerprints, the audit entries, the row errors and the batch's progress: a crash leaves no
half row and the batch says how far it got. If a chunk's insert fails (another import created
the same row meanwhile), the chunk is redone row by row through ``declaration_save``, each row
in its own transaction. Fingerprints (person, category, level, dates, title, year) are unique
per unit, so importing the same rows again creates nothing new.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, models, transaction
from django.db.models import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    DecimalField,
    F,
    ForeignKey,
    IntegerField,
    TextField,
)
from django.utils import timezone

from xueshi.accounts.models import Person, RoleAssignment, RoleKind
from xueshi.accounts.permissions import people_in_scope
from xueshi.accounts.services import person_create
from xueshi.core.audit import audit_record
from xueshi.core.identifiers import clean_id_number, clean_phone
from xueshi.core.jobs import job_create, job_enqueue, job_finish, job_progress
from xueshi.core.models import BackgroundJob, JobStatus
from xueshi.declarations.models import Declaration
from xueshi.declarations.rules import rules_date
from xueshi.declarations.services import (
    ROLE_MAY_NOT_DECLARE,
    DeclarationInput,
    DeclaringLookups,
    credit_year_of,
    declaration_prepare,
    hours_already_granted_many,
)
from xueshi.orgs.models import Department, Organization
from xueshi.policy.resolver import resolve_version
from xueshi.policy.schema import FieldSpec, LeafCategory, ProfileVersion

from . import columns as col
from .columns import Column, claim_columns, column_positions, staff_columns
from .models import ImportBatch, ImportedRow, ImportKind, ImportRowError, ImportStatus
from .workbooks import BadRowsWriter, claims_template, staff_template
from .xlsx import (
    ERROR_COLUMN,
    CellError,
    ImportRefused,
    Sheet,
    cell_date,
    cell_text,
    check_workbook_bytes,
    is_blank_row,
    open_sheet,
)

logger = logging.getLogger(__name__)

# Files with more data rows than this run as a background task with a progress bar.
BACKGROUND_ROW_THRESHOLD = 500
# Staff rows are slower (each new login hashes its initial password), so fewer run inline.
STAFF_BACKGROUND_ROW_THRESHOLD = 50
CHUNK_SIZE = 1000
MAX_ROWS = 200_000
SKIPPED_CLAIM = "已导入，未重复创建"
SKIPPED_PERSON = "已存在，未重复创建"
OUT_OF_SCOPE = "该人员不在您的管理范围内"
CLAIM_ROLES = (RoleKind.UNIT_ADMIN, RoleKind.DEPARTMENT_ADMIN)
SHEET_TITLES = {ImportKind.CLAIMS: "学员培训信息", ImportKind.STAFF: "人员信息"}
JOB_KINDS = {ImportKind.CLAIMS: "import_claims", ImportKind.STAFF: "import_staff"}


# --- who may import, and the columns for them ---------------------------------------------------


def check_import_role(kind: str, role: RoleAssignment | None) -> Organization:
    """The unit the role imports for; refuses roles that may not import this kind."""
    allowed = CLAIM_ROLES if kind == ImportKind.CLAIMS else (RoleKind.UNIT_ADMIN,)
    if role is None or role.kind not in allowed or role.organization is None:
        what = "学员培训信息" if kind == ImportKind.CLAIMS else "人员信息"
        who = "单位管理员或二级管理员" if kind == ImportKind.CLAIMS else "单位总管理员"
        raise PermissionDenied(f"只有{who}可以导入{what}。")
    return role.organization


def unit_version(unit: Organization, on_date: datetime.date | None = None) -> ProfileVersion:
    key = unit.effective_policy_profile()
    if not key:
        raise ValidationError("本单位未设置适用的学时认定细则，请联系平台管理员。")
    return resolve_version(key, on_date or timezone.localdate())


def unit_departments(unit: Organization) -> list[str]:
    return list(
        Department.objects.filter(unit=unit).order_by("name").values_list("name", flat=True)
    )


def columns_for(kind: str, unit: Organization) -> list[Column]:
    if kind == ImportKind.CLAIMS:
        return claim_columns(unit_version(unit))
    return staff_columns(unit_departments(unit))


def template_for(kind: str, role: RoleAssignment) -> tuple[str, bytes]:
    """(download name, xlsx content) of the import template for the role's unit."""
    unit = check_import_role(kind, role)
    if kind == ImportKind.CLAIMS:
        return "学员培训信息导入模板.xlsx", claims_template(unit_version(unit), unit.name)
    return "人员信息导入模板.xlsx", staff_template(columns_for(kind, unit), unit.name)


# --- starting an import --------------------------------------------------------------------------


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for piece in upload.chunks():
        digest.update(piece)
    upload.seek(0)
    return digest.hexdigest()


def _has_data_row(sheet: Sheet) -> bool:
    """Whether the sheet has a non-blank row below the header; the rows stay readable from the
    start (the blank ones before it are skipped anyway), so the sheet is read once."""
    first = next((row for row in sheet.rows if not is_blank_row(row[1])), None)
    if first is None:
        return False
    sheet.rows = itertools.chain([first], sheet.rows)
    return True


def import_start(
    *, kind: str, upload: UploadedFile, role: RoleAssignment, actor: Any
) -> ImportBatch:
    """Check the file, record the batch, and run it now or in the background."""
    unit = check_import_role(kind, role)
    upload.seek(0)
    check_workbook_bytes(upload.read(8), upload.size or 0)
    upload.seek(0)
    sheet = open_sheet(upload)
    column_positions(sheet.headers, columns_for(kind, unit))
    if not _has_data_row(sheet):
        raise ImportRefused("文件中只有表头，没有数据行。")
    if sheet.height > MAX_ROWS:
        raise ImportRefused(f"一次最多导入 {MAX_ROWS} 行，请分成几个文件导入。")
    batch = ImportBatch(
        unit=unit,
        kind=kind,
        role=role,
        created_by=actor,
        file_name=(upload.name or "导入文件.xlsx")[-200:],
        sha256=_sha256(upload),
        total_rows=sheet.height,
    )
    batch.file.save("upload.xlsx", upload, save=False)
    batch.save()
    threshold = (
        BACKGROUND_ROW_THRESHOLD if kind == ImportKind.CLAIMS else STAFF_BACKGROUND_ROW_THRESHOLD
    )
    if sheet.height > threshold:
        from .tasks import run_import

        job = job_create(
            kind=JOB_KINDS[ImportKind(kind)],
            created_by=actor,
            title=f"导入{batch.get_kind_display()}：{batch.file_name}",
            total=sheet.height,
        )
        batch.job = job
        batch.save(update_fields=["job"])
        job_enqueue(job, run_import, batch.pk)
    else:
        # Inline: the rows are read on from the sheet opened for the checks.
        import_run(batch.pk, sheet=sheet)
        batch.refresh_from_db()
    return batch


def earlier_same_file(batch: ImportBatch) -> ImportBatch | None:
    """The last finished import of the same file for the same unit, before this one."""
    return (
        ImportBatch.objects.filter(
            unit_id=batch.unit_id, kind=batch.kind, sha256=batch.sha256, pk__lt=batch.pk
        )
        .order_by("-pk")
        .first()
    )


# --- running an import ---------------------------------------------------------------------------


@dataclass
class RowOutcome:
    created: int = 0
    skipped: int = 0
    errors: list[ImportRowError] = field(default_factory=list)
    error_rows: int = 0


def _chunks(
    rows: Iterator[tuple[int, list[Any]]], size: int
) -> Iterator[list[tuple[int, list[Any]]]]:
    chunk: list[tuple[int, list[Any]]] = []
    for row in rows:
        if is_blank_row(row[1]):
            continue
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def import_run(
    batch_id: int, job_id: int | None = None, *, sheet: Sheet | None = None
) -> ImportBatch:
    """Run a recorded batch to the end. Used inline (with the sheet ``import_start`` opened
    and checked, read on from there) and by the background task (which opens the stored
    file)."""
    batch = ImportBatch.objects.select_related("unit", "role", "created_by").get(pk=batch_id)
    if batch.is_finished:
        return batch
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.RUNNING)
    try:
        role = batch.role
        check_import_role(batch.kind, role)
        if role is None:  # check_import_role refused it already; for the type checker
            raise PermissionDenied("导入角色已被取消。")
        if sheet is not None:
            bad_rows = _run_rows(batch, role, sheet, job_id)
        else:
            with batch.file.open("rb") as handle:
                bad_rows = _run_rows(batch, role, open_sheet(handle), job_id)
        return _finish(batch.pk, job_id, bad_rows.content())
    except Exception as error:
        message = str(error) if isinstance(error, ImportRefused | PermissionDenied) else ""
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportStatus.FAILED,
            message=(f"导入失败：{message or error.__class__.__name__}")[:500],
            finished_at=timezone.now(),
        )
        # The chunks committed before the failure are in: the audit says how many.
        _audit_batch(ImportBatch.objects.get(pk=batch.pk))
        raise


def _run_rows(
    batch: ImportBatch, role: RoleAssignment, sheet: Sheet, job_id: int | None
) -> BadRowsFile:
    """Stream the sheet's rows through the importer chunk by chunk (the only pass over the
    file); the bad rows are written to the bad-rows file as they are found."""
    positions = column_positions(sheet.headers, columns_for(batch.kind, batch.unit))
    importer: RowImporter = (
        ClaimsImporter(batch, role, positions)
        if batch.kind == ImportKind.CLAIMS
        else StaffImporter(batch, role, positions)
    )
    bad_rows = BadRowsFile(sheet.headers, SHEET_TITLES[ImportKind(batch.kind)])
    processed = 0
    for chunk in _chunks(sheet.rows, importer.chunk_size):
        # The chunk's rows (each in its own savepoint), its errors and the batch's progress
        # commit together: after a crash the batch says what is in.
        with transaction.atomic():
            outcome = importer.import_chunk(chunk)
            processed += len(chunk)
            _record_chunk(batch, outcome, processed)
        bad_rows.add(chunk, outcome.errors)
        if job_id is not None:
            job_progress(job_id, done=processed)
    return bad_rows


def _record_chunk(batch: ImportBatch, outcome: RowOutcome, processed: int) -> None:
    ImportRowError.objects.bulk_create(outcome.errors, batch_size=CHUNK_SIZE)
    ImportBatch.objects.filter(pk=batch.pk).update(
        processed_rows=processed,
        created_count=F("created_count") + outcome.created,
        skipped_count=F("skipped_count") + outcome.skipped,
        error_count=F("error_count") + outcome.error_rows,
    )


@transaction.atomic
def _finish(batch_id: int, job_id: int | None, content: bytes | None) -> ImportBatch:
    batch = ImportBatch.objects.select_related("role", "created_by").get(pk=batch_id)
    batch.total_rows = batch.processed_rows
    batch.status = ImportStatus.DONE
    batch.finished_at = timezone.now()
    noun = "条学时登记" if batch.kind == ImportKind.CLAIMS else "名人员"
    batch.message = (
        f"共 {batch.processed_rows} 行：新建 {batch.created_count} {noun}，"
        f"{batch.skipped_count} 行已存在未重复创建，{batch.error_count} 行有错误。"
    )
    if content is not None:
        batch.error_file.save("errors.xlsx", ContentFile(content), save=False)
    batch.save()
    _audit_batch(batch)
    if job_id is not None:
        job_finish(
            job_id,
            message=batch.message,
            result={"batch": batch.pk},
            file_name=error_file_name(batch) if content is not None else "",
            content=content,
        )
    return batch


def _audit_batch(batch: ImportBatch) -> None:
    """Claims created by an import are audited once per batch (each draft links back to its
    ImportedRow and so to the batch); reviews and deletions stay audited per claim. A staff
    import audits each person it creates (``person_create``)."""
    if batch.kind != ImportKind.CLAIMS:
        return
    audit_record(
        action="import.claims",
        actor=batch.created_by,
        role=batch.role.kind if batch.role is not None else "",
        target=batch,
        to_state=batch.status,
        details={
            "batch": batch.pk,
            "file_name": batch.file_name,
            "rows": batch.processed_rows,
            "created": batch.created_count,
            "skipped": batch.skipped_count,
            "errors": batch.error_count,
        },
    )


def error_file_name(batch: ImportBatch) -> str:
    return f"{SHEET_TITLES[ImportKind(batch.kind)]}-错误行-{batch.pk}.xlsx"


class BadRowsFile:
    """The bad rows of a batch as an xlsx to fix and upload again: the original cells (up to
    the last named column) and a 错误原因 column, written during the import's one pass."""

    def __init__(self, headers: Sequence[str], sheet_title: str):
        width = len(headers)
        while width and not headers[width - 1]:
            width -= 1
        kept = list(headers[:width])
        # A bad-rows file uploaded again: its old reasons make way for the new ones.
        self.drop = kept.index(ERROR_COLUMN) if ERROR_COLUMN in kept else None
        self.width = width
        self.names = [h for i, h in enumerate(kept) if i != self.drop]
        self.sheet_title = sheet_title
        self.writer: BadRowsWriter | None = None

    def add(
        self, chunk: Sequence[tuple[int, Sequence[Any]]], errors: Sequence[ImportRowError]
    ) -> None:
        if not errors:
            return
        reasons: dict[int, list[str]] = {}
        for error in errors:  # in row order, as recorded
            reason = f"{error.column}：{error.message}" if error.column else error.message
            reasons.setdefault(error.row_number, []).append(reason)
        if self.writer is None:
            self.writer = BadRowsWriter(self.names, sheet_title=self.sheet_title)
        for number, cells in chunk:
            if number in reasons:
                values = [v for i, v in enumerate(cells[: self.width]) if i != self.drop]
                self.writer.append(values, "；".join(reasons[number]))

    def content(self) -> bytes | None:
        return self.writer.content() if self.writer is not None else None


# --- reading cells -------------------------------------------------------------------------------


class RowImporter:
    columns: dict[str, Column]
    chunk_size = CHUNK_SIZE

    def __init__(self, batch: ImportBatch, role: RoleAssignment, positions: dict[str, int]):
        self.batch = batch
        self.role = role
        self.actor = batch.created_by
        self.positions = positions

    def import_chunk(self, chunk: list[tuple[int, list[Any]]]) -> RowOutcome:
        raise NotImplementedError

    def raw(self, cells: Sequence[Any], key: str) -> Any:
        index = self.positions.get(key)
        if index is None or index >= len(cells):
            return None
        value = cells[index]
        return None if value == "" else value

    def text(self, cells: Sequence[Any], key: str) -> str:
        return cell_text(self.raw(cells, key))

    def header(self, key: str) -> str:
        column = self.columns.get(key)
        return column.header if column is not None else ""

    def id_text(self, cells: Sequence[Any]) -> str:
        """The ID number as typed, compacted (not yet checked)."""
        value = self.raw(cells, col.ID_NUMBER)
        if isinstance(value, int | float) and not isinstance(value, bool):
            # Typed as a number: Excel kept only 15 significant digits.
            raise ValidationError(
                "证件号码被保存为数字，后几位已丢失：请将该列设为文本格式后重新填写。"
            )
        return cell_text(value).replace(" ", "").upper()

    def id_number(self, cells: Sequence[Any]) -> str:
        return clean_id_number(self.id_text(cells))


def _messages(error: ValidationError | PermissionDenied) -> list[str]:
    if isinstance(error, ValidationError):
        return [str(m).rstrip("。") for m in error.messages]
    return [str(error).rstrip("。") or "无权操作"]


# --- claims --------------------------------------------------------------------------------------


@dataclass
class ParsedRow:
    """A row read into declaration inputs, before the rules are applied."""

    row_number: int
    person: Person
    data: DeclarationInput
    credit_year: int
    shown: dict[str, FieldSpec]


@dataclass
class PreparedClaim:
    row_number: int
    person: Person
    data: DeclarationInput
    declaration: Declaration
    fingerprint: str


class ClaimsImporter(RowImporter):
    def __init__(self, batch: ImportBatch, role: RoleAssignment, positions: dict[str, int]):
        super().__init__(batch, role, positions)
        self.version_today = unit_version(batch.unit)
        self.columns = {c.key: c for c in claim_columns(self.version_today)}
        self.field_columns = {
            key: column
            for key, column in self.columns.items()
            if key not in (col.ID_NUMBER, col.NAME, col.CATEGORY, col.LEVEL)
        }
        # Only the role's own people are fetched, through its scope; the parts of the person
        # the rules read are its unit and its name. Each person is fetched once per file (a
        # person usually has several rows, in several chunks), and the people of one unit
        # share one instance of it, fetched once.
        self.scope = people_in_scope(role).select_related(None)
        self._people: dict[str, Person] = {}  # id number → person in the role's scope
        self._units: dict[int, Organization] = {}
        self.today = timezone.localdate()
        # Lookups (profile keys, versions, credit years, people in scope) for the whole file.
        self.lookups = DeclaringLookups()
        self._leaf_names: dict[int, dict[str, LeafCategory | None]] = {}
        self._shown: dict[tuple[int, str], dict[str, FieldSpec]] = {}

    # lookups cached for the whole file

    def leaf_by_name(self, version: ProfileVersion, text: str) -> LeafCategory | None:
        names = self._leaf_names.get(id(version))
        if names is None:
            names = {}
            for leaf in version.leaf_categories():
                names[leaf.full_name] = leaf
                names[leaf.code] = leaf
                # A second-level name alone, if no other category uses it.
                short = leaf.category.name
                names[short] = None if short in names and names[short] is not leaf else leaf
            self._leaf_names[id(version)] = names
        compact = text.replace(" ", "").replace("－", "-").replace("—", "-")
        return names.get(text) or names.get(compact)

    def shown_fields(self, version: ProfileVersion, category_code: str) -> dict[str, FieldSpec]:
        shown = self._shown.get((id(version), category_code))
        if shown is None:
            shown = {name: spec for name, spec, _required in version.fields_for(category_code)}
            self._shown[(id(version), category_code)] = shown
        return shown

    def people_for(self, id_numbers: set[str]) -> dict[str, Person]:
        """The people in the role's scope with these ID numbers (exact match), each with its
        unit; only those not yet seen in this file are queried."""
        unseen = id_numbers - self._people.keys()
        if unseen:
            fetched = list(self.scope.filter(id_number__in=unseen))
            unit_ids = {p.unit_id for p in fetched if p.unit_id is not None} - self._units.keys()
            if unit_ids:
                # As select_related("unit") would load them (the base manager, all fields).
                self._units.update(Organization._base_manager.in_bulk(unit_ids))
            for person in fetched:
                unit = self._units.get(person.unit_id) if person.unit_id is not None else None
                if unit is not None:
                    person.unit = unit
                elif person.unit_id is None:
                    person.unit = None
                self._people[person.id_number] = person
            # Fetched through the role's scope: declaration_prepare need not ask again.
            self.lookups.in_scope.update(person.pk for person in fetched)
        return {i: self._people[i] for i in id_numbers if i in self._people}

    # the rows

    def import_chunk(self, chunk: list[tuple[int, list[Any]]]) -> RowOutcome:
        outcome = RowOutcome()
        bad: dict[int, list[tuple[str, str]]] = {}

        def fail(row_number: int, column: str, message: str) -> None:
            bad.setdefault(row_number, []).append((column, message))

        # A person's stored ID number was checked when they were added, so an exact match
        # needs no second check; only the others go through the full check for the reason.
        texts: dict[int, str] = {}
        for row_number, cells in chunk:
            try:
                texts[row_number] = self.id_text(cells)
            except ValidationError as error:
                for message in _messages(error):
                    fail(row_number, "证件号码", message)
        people = self.people_for(set(texts.values()))
        ids: dict[int, str] = {}
        for row_number, text in texts.items():
            if text in people:
                ids[row_number] = text
                continue
            try:
                ids[row_number] = clean_id_number(text)
            except ValidationError as error:
                for message in _messages(error):
                    fail(row_number, "证件号码", message)
        missing = {id_number for id_number in ids.values() if id_number not in people}
        elsewhere: set[str] = set()
        if missing:
            people.update(self.people_for(missing))
            elsewhere = set(
                Person.objects.filter(id_number__in=missing - people.keys()).values_list(
                    "id_number", flat=True
                )
            )
        parsed: list[ParsedRow] = []
        for row_number, cells in chunk:
            id_number = ids.get(row_number)
            if id_number is None:
                continue
            person = people.get(id_number)
            if person is None:
                fail(
                    row_number,
                    "证件号码",
                    OUT_OF_SCOPE
                    if id_number in elsewhere
                    else "未找到该证件号码的专业技术人员，请先导入人员信息",
                )
                continue
            row = self.parse(row_number, cells, person, fail)
            if row is not None:
                parsed.append(row)

        # The yearly category caps: what each person already has, in one query per chunk.
        already = hours_already_granted_many(
            (row.person.pk, row.credit_year, row.data.category_code) for row in parsed
        )
        prepared: list[PreparedClaim] = []
        for row in parsed:
            claim = self.prepare(row, already, fail)
            if claim is not None:
                prepared.append(claim)

        fresh = self._drop_duplicates(prepared, outcome)
        if fresh:
            try:
                self._write(fresh)
            except IntegrityError:
                # Someone imported some of these rows meanwhile: row by row, each atomic.
                fresh = self._write_one_by_one(fresh, outcome, fail)
            outcome.created += len(fresh)

        for row_number, problems in sorted(bad.items()):
            outcome.error_rows += 1
            for column, message in problems:
                outcome.errors.append(
                    ImportRowError(
                        batch=self.batch,
                        row_number=row_number,
                        column=column,
                        message=message[:500],
                    )
                )
        return outcome

    def parse(
        self,
        row_number: int,
        cells: list[Any],
        person: Person,
        fail: Callable[[int, str, str], None],
    ) -> ParsedRow | None:
        """The row's cells as declaration inputs: category and level found by name, values
        converted by column type. The rules themselves are declaration_prepare's."""
        failed = False

        def error(column: str, message: str) -> None:
            nonlocal failed
            failed = True
            fail(row_number, column, message)

        name = self.text(cells, col.NAME)
        if name and name.replace(" ", "") != person.name.replace(" ", ""):
            error("姓名", f"姓名“{name}”与证件号码登记的姓名“{person.name}”不一致")
        category_text = self.text(cells, col.CATEGORY)
        if not category_text:
            error("认定类型", "请填写认定类型")
            return None
        if "公需" in category_text:
            error("认定类型", "公需科目学时无需导入，系统将根据学习完成情况自动计算")
            return None

        raw_fields: dict[str, Any] = {}
        for key, column in self.field_columns.items():
            value = self.raw(cells, key)
            if value is None:
                continue
            try:
                raw_fields[key] = _convert(column, value)
            except CellError as problem:
                error(column.header, str(problem))
        year_value = raw_fields.get("credit_year")
        if year_value is not None and not (
            isinstance(year_value, int) and 1900 < year_value < 3000
        ):
            error(self.header("credit_year") or "计入年度", "计入年度应为四位数年份，例如 2025")
        if failed:
            return None
        try:
            key = self.lookups.profile_key(person, self.role.organization)
        except ValidationError as problem:
            error("证件号码", _messages(problem)[0])
            return None
        version = self.lookups.version(
            key,
            rules_date(
                credit_year=credit_year_of(raw_fields, self.today),
                start_date=raw_fields.get("start_date"),
            ),
        )
        leaf = self.leaf_by_name(version, category_text)
        if leaf is None:
            error("认定类型", f"认定类型“{category_text}”不存在")
            return None
        level_text = self.text(cells, col.LEVEL)
        levels = leaf.category.levels
        level = next((lv for lv in levels if level_text in (lv.name, lv.code)), None)
        if not level_text and len(levels) == 1:
            level = levels[0]
        if level is None:
            names = "、".join(lv.name for lv in levels)
            reason = "请选择申报等级" if not level_text else f"申报等级“{level_text}”不存在"
            error("申报等级", f"{reason}（可选：{names}）")
            return None

        # The template has every category's columns: keep those this category asks for (and
        # the credit year, which every claim has).
        shown = self.shown_fields(version, leaf.code)
        fields = {
            name: value
            for name, value in raw_fields.items()
            if name in shown or name == "credit_year"
        }
        return ParsedRow(
            row_number,
            person,
            DeclarationInput(leaf.code, level.code, fields, pledge=False),
            credit_year_of(fields, self.today),
            shown,
        )

    def prepare(
        self,
        row: ParsedRow,
        already: dict[tuple[int, int, str], Decimal],
        fail: Callable[[int, str, str], None],
    ) -> PreparedClaim | None:
        """declaration_save's rules (declaration_prepare), with the per-row queries answered
        from the chunk's."""
        try:
            declaration = declaration_prepare(
                person=row.person,
                data=row.data,
                actor=self.actor,
                role=self.role,
                today=self.today,
                hours_already=already.get(
                    (row.person.pk, row.credit_year, row.data.category_code), Decimal(0)
                ),
                lookups=self.lookups,
            )
        except PermissionDenied as denied:
            column = "认定类型" if str(denied) == ROLE_MAY_NOT_DECLARE else "证件号码"
            for message in _messages(denied):
                fail(row.row_number, column, message)
            return None
        except ValidationError as invalid:
            if hasattr(invalid, "error_dict"):
                for field_name, messages in invalid.message_dict.items():
                    column_header = self._column_for_field(field_name, row.shown)
                    for message in messages:
                        fail(row.row_number, column_header, str(message).rstrip("。"))
            else:
                for message in _messages(invalid):
                    fail(row.row_number, "", message)
            return None
        return PreparedClaim(
            row.row_number,
            row.person,
            row.data,
            declaration,
            claim_fingerprint(declaration),
        )

    def _column_for_field(self, field_name: str, shown: dict[str, FieldSpec]) -> str:
        if field_name == "category":
            return "认定类型"
        if field_name == "level":
            return "申报等级"
        column = self.columns.get(field_name)
        if column is not None:
            return column.header
        spec = shown.get(field_name)
        return spec.label if spec is not None else ""

    def _drop_duplicates(
        self, prepared: list[PreparedClaim], outcome: RowOutcome
    ) -> list[PreparedClaim]:
        existing = set(
            ImportedRow.objects.filter(
                unit_id=self.batch.unit_id,
                fingerprint__in=[claim.fingerprint for claim in prepared],
            ).values_list("fingerprint", flat=True)
        )
        fresh = []
        for claim in prepared:
            if claim.fingerprint in existing:
                outcome.skipped += 1
                continue
            existing.add(claim.fingerprint)  # the same row twice in one file: once
            fresh.append(claim)
        return fresh

    @transaction.atomic
    def _write(self, claims: list[PreparedClaim]) -> None:
        """The chunk's drafts and their fingerprints. No audit row per draft: the batch is
        audited once (``_audit_batch``) and each draft links back to it via ImportedRow."""
        declarations = [c.declaration for c in claims]
        _insert_returning_ids(declarations)
        _insert_many(
            ImportedRow,
            IMPORTED_ROW_COLUMNS,
            [
                (self.batch.unit_id, c.fingerprint, self.batch.pk, c.row_number, d.pk)
                for c, d in zip(claims, declarations, strict=True)
            ],
        )

    def _write_one_by_one(
        self,
        claims: list[PreparedClaim],
        outcome: RowOutcome,
        fail: Callable[[int, str, str], None],
    ) -> list[PreparedClaim]:
        created = []
        for claim in claims:
            try:
                with transaction.atomic():
                    if ImportedRow.objects.filter(
                        unit_id=self.batch.unit_id, fingerprint=claim.fingerprint
                    ).exists():
                        outcome.skipped += 1
                        continue
                    # The rules again (the yearly cap may have moved meanwhile), as
                    # declaration_save applies them; audited with the batch, as in _write.
                    declaration = declaration_prepare(
                        person=claim.person,
                        data=claim.data,
                        actor=self.actor,
                        role=self.role,
                        today=self.today,
                        lookups=self.lookups,
                    )
                    declaration.save()
                    ImportedRow.objects.create(
                        unit_id=self.batch.unit_id,
                        fingerprint=claim.fingerprint,
                        batch=self.batch,
                        row_number=claim.row_number,
                        declaration=declaration,
                    )
            except IntegrityError:
                outcome.skipped += 1
            except (ValidationError, PermissionDenied) as error:
                for message in _messages(error):
                    fail(claim.row_number, "", message)
            else:
                created.append(claim)
        return created


IMPORTED_ROW_COLUMNS = ("unit_id", "fingerprint", "batch_id", "row_number", "declaration_id")


PLAIN_FIELDS = (CharField, TextField, IntegerField, BooleanField, ForeignKey)


def _unchanged(value: Any) -> Any:
    return value


def _db_converter(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    """How `field` prepares a value for the database, decided once per field, not per value
    (an import prepares some thirty values per row)."""
    if isinstance(field, PLAIN_FIELDS):
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
    filled by ``pre_save``, values prepared by their fields (plain ones as they are)."""
    stamped = [
        f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    columns = [(f.attname, _db_converter(f)) for f in fields]
    for obj in objects:
        for f in stamped:
            f.pre_save(obj, add=True)
        yield [convert(getattr(obj, attname)) for attname, convert in columns]


def _insert_returning_ids(objects: Sequence[models.Model]) -> None:
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
        import sqlite3

        connection.ensure_connection()
        raw = connection.connection
        if raw is not None and hasattr(raw, "getlimit"):
            return int(raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    return connection.features.max_query_params or 999


def _insert_many(
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


def _convert(column: Column, value: Any) -> Any:
    if column.kind == "date":
        return cell_date(value, column.header)
    if column.kind in ("integer", "year"):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        text = cell_text(value)
        try:
            return int(Decimal(text)) if Decimal(text) == int(Decimal(text)) else text
        except (InvalidOperation, ValueError):
            return text  # the validator says what is wrong with it
    if column.kind == "decimal":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return Decimal(str(value))
        return cell_text(value)
    if column.kind == "boolean":
        return _yes_no(value, column.header)
    return cell_text(value)


def _yes_no(value: Any, label: str) -> bool:
    text = cell_text(value)
    if text in ("是", "Y", "y", "1", "TRUE", "True", "true"):
        return True
    if text in ("否", "N", "n", "0", "FALSE", "False", "false", ""):
        return False
    raise CellError(f"{label}请填写“是”或“否”")


def claim_fingerprint(declaration: Declaration) -> str:
    parts = (
        declaration.person_id,
        declaration.category_code,
        declaration.level_code,
        declaration.start_date,
        declaration.end_date,
        declaration.title.strip(),
        declaration.credit_year,
    )
    return hashlib.sha256("|".join(str(part) for part in parts).encode()).hexdigest()


# --- staff ---------------------------------------------------------------------------------------


class StaffImporter(RowImporter):
    # Each new login hashes its initial password (slow on purpose): small chunks keep the
    # chunk's transaction, and SQLite's write lock, short.
    chunk_size = 20

    def __init__(self, batch: ImportBatch, role: RoleAssignment, positions: dict[str, int]):
        super().__init__(batch, role, positions)
        self.departments = {d.name: d for d in Department.objects.filter(unit=batch.unit)}
        self.columns = {c.key: c for c in staff_columns(list(self.departments))}

    def import_chunk(self, chunk: list[tuple[int, list[Any]]]) -> RowOutcome:
        outcome = RowOutcome()
        ids: dict[int, str] = {}
        bad: dict[int, list[tuple[str, str]]] = {}
        for row_number, cells in chunk:
            try:
                ids[row_number] = self.id_number(cells)
            except ValidationError as error:
                bad.setdefault(row_number, []).extend(("证件号码", m) for m in _messages(error))
        known = {
            p.id_number: p
            for p in Person.objects.select_related("unit").filter(id_number__in=set(ids.values()))
        }
        for row_number, cells in chunk:
            id_number = ids.get(row_number)
            if id_number is None:
                continue
            problems = self.import_row(id_number, cells, known)
            if problems is None:
                outcome.created += 1
            elif problems == []:
                outcome.skipped += 1
            else:
                bad[row_number] = problems
        for row_number, problems in sorted(bad.items()):
            outcome.error_rows += 1
            outcome.errors.extend(
                ImportRowError(batch=self.batch, row_number=row_number, column=c, message=m[:500])
                for c, m in problems
            )
        return outcome

    def import_row(
        self, id_number: str, cells: list[Any], known: dict[str, Person]
    ) -> list[tuple[str, str]] | None:
        """None: created; []: already in this unit; else the problems."""
        existing = known.get(id_number)
        if existing is not None:
            if existing.unit_id == self.batch.unit_id:
                return []
            where = existing.unit.name if existing.unit else "其他单位（未选择工作单位）"
            return [
                ("证件号码", f"该人员已登记在{where}，不能导入；请其本人在“我的信息”中变更工作单位")
            ]
        problems: list[tuple[str, str]] = []
        name = self.text(cells, col.NAME)
        if not name:
            problems.append(("姓名", "请填写姓名"))
        elif len(name) > 50:
            problems.append(("姓名", "姓名最多 50 个字"))
        phone = self.text(cells, col.PHONE)
        if phone:
            try:
                phone = clean_phone(phone)
            except ValidationError as error:
                problems.extend(("联系电话", m) for m in _messages(error))
        department_name = self.text(cells, col.DEPARTMENT)
        department = self.departments.get(department_name) if department_name else None
        if department_name and department is None:
            problems.append(
                ("部门", f"本单位没有部门“{department_name}”，请先在单位部门管理中建立")
            )
        try:
            in_establishment = _yes_no(self.raw(cells, col.IN_ESTABLISHMENT), "在编")
        except CellError as error:
            problems.append(("在编", str(error)))
            in_establishment = False
        if problems:
            return problems
        try:
            person = person_create(
                id_number=id_number,
                name=name,
                phone=phone,
                unit=self.batch.unit,
                department=department,
                in_establishment=in_establishment,
                can_log_in=True,
                actor=self.actor,
            )
        except ValidationError as error:
            if Person.objects.filter(id_number=id_number, unit=self.batch.unit).exists():
                return []
            return [("", m) for m in _messages(error)]
        known[id_number] = person
        return None


# --- reads for the pages ---------------------------------------------------------------------


def recent_batches(user: Any, kind: str, limit: int = 10) -> list[ImportBatch]:
    return list(
        ImportBatch.objects.filter(created_by=user, kind=kind)
        .select_related("job")
        .order_by("-created_at", "-id")[:limit]
    )


def running_jobs(batches: Sequence[ImportBatch]) -> list[BackgroundJob]:
    return [
        batch.job
        for batch in batches
        if batch.job is not None and batch.job.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    ]
