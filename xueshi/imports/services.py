"""Bulk imports: 导入学员培训信息 (draft claims registered by the unit) and 导入人员信息.

The public entry points. ``import_start`` checks the whole file first (xlsx by content, not
empty, the template's headers) and refuses it with the reason before anything is stored. It
then records an ``ImportBatch`` with the file and runs it at once (small files) or as a
background task with a progress bar (more than ``BACKGROUND_ROW_THRESHOLD`` rows).
``import_run`` does the work for both, so the inline and background paths give the same result.

Rows are streamed and handled in chunks (``rows.CHUNK_SIZE``); each chunk's rows, errors and
the batch's progress commit together, so a crash leaves no half row and the batch says how far
it got. What a row means is ``claims.ClaimsImporter``'s or ``staff.StaffImporter``'s; reading
cells and the bad-rows file are in ``rows``; the bulk inserts are ``core.bulk``'s.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from xueshi.accounts.models import RoleAssignment, RoleKind
from xueshi.accounts.permissions import REGION_MAY_NOT_DECLARE, role_may
from xueshi.core.audit import audit_record
from xueshi.core.files import file_save
from xueshi.core.jobs import job_create, job_enqueue, job_finish, job_progress
from xueshi.core.models import BackgroundJob, JobStatus
from xueshi.orgs.models import Department, Organization

from . import tasks  # a module reference: tasks imports this module back
from .claims import ClaimsImporter, unit_version
from .columns import Column, claim_columns, column_positions, staff_columns
from .models import ImportBatch, ImportKind, ImportRowError, ImportStatus
from .rows import (
    CHUNK_SIZE,
    SHEET_TITLES,
    BadRowsFile,
    RowImporter,
    RowOutcome,
    chunks,
    error_file_name,
)
from .staff import StaffImporter
from .workbooks import claims_template, staff_template
from .xlsx import (
    ImportRefused,
    Sheet,
    check_workbook_bytes,
    is_blank_row,
    open_sheet,
)

logger = logging.getLogger(__name__)

# Files with more data rows than this run as a background task with a progress bar.
BACKGROUND_ROW_THRESHOLD = 500
# Staff rows are slower (each new login hashes its initial password), so fewer run inline.
STAFF_BACKGROUND_ROW_THRESHOLD = 50
MAX_ROWS = 200_000
CLAIM_ROLES = (RoleKind.UNIT_ADMIN, RoleKind.DEPARTMENT_ADMIN)
JOB_KINDS = {ImportKind.CLAIMS: "import_claims", ImportKind.STAFF: "import_staff"}


# --- who may import, and the columns for them ---------------------------------------------------


def check_import_role(kind: str, role: RoleAssignment | None) -> Organization:
    """The unit the role imports for; refuses roles that may not import this kind."""
    allowed = CLAIM_ROLES if kind == ImportKind.CLAIMS else (RoleKind.UNIT_ADMIN,)
    if role is None or role.kind not in allowed or role.organization is None:
        what = "学员培训信息" if kind == ImportKind.CLAIMS else "人员信息"
        who = "单位管理员或二级管理员" if kind == ImportKind.CLAIMS else "单位总管理员"
        raise PermissionDenied(f"只有{who}可以导入{what}。")
    if kind == ImportKind.CLAIMS and not role_may(role, "imports.claims"):
        raise PermissionDenied(REGION_MAY_NOT_DECLARE)  # the region lets only people declare
    return role.organization


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
    file_save(batch.file, "upload.xlsx", upload)  # a full disk: StorageFailed, a message
    batch.save()
    threshold = (
        BACKGROUND_ROW_THRESHOLD if kind == ImportKind.CLAIMS else STAFF_BACKGROUND_ROW_THRESHOLD
    )
    if sheet.height > threshold:
        job = job_create(
            kind=JOB_KINDS[ImportKind(kind)],
            created_by=actor,
            title=f"导入{batch.get_kind_display()}：{batch.file_name}",
            total=sheet.height,
        )
        batch.job = job
        batch.save(update_fields=["job"])
        job_enqueue(job, tasks.run_import, batch.pk)
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
    for chunk in chunks(sheet.rows, importer.chunk_size):
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
