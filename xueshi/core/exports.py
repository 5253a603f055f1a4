"""导出报表: a small export framework any list can use.

Low level: :func:`export_response` turns rows and columns into a streamed download — xlsx
written by openpyxl in write-only mode (Chinese headers, frozen header row, column widths)
into a temporary file that is streamed back, or CSV in UTF-8 with a BOM (so Excel opens it
with the Chinese intact), generated row by row. ID-number columns are masked (first 6, last 4)
in every export; a user holding ``reports.view_full_id_number`` may ask for full numbers
(``full_id=1``) with a reason (``full_id_reason``), both written to the audit log with the export
(GB/T 35273: personal data shown only where needed, and each disclosure accounted for).

High level: each app declares its lists' exports in its own ``exports.py`` (found at start-up by
:class:`xueshi.core.apps.CoreConfig`), registering an :class:`ExportSpec` (how to build its rows
from the role and the query string); a view calls :func:`export_or_enqueue`: up to
``REPORTS_EXPORT_BACKGROUND_ROWS`` rows (default 5,000) are streamed at once; above that a
background job writes the file and the user is sent to the job's page (progress card, then the
download link).

Example::

    COLUMNS = [
        Column("姓名", "person__name"),
        Column("证件号码", "person__id_number", id_number=True),
    ]
    register_export(ExportSpec("people", "人员名单", "人员名单", COLUMNS, build_rows))

    def people_export(request):  # a view: check the role, then
        require_permission(request, "unit.manage_staff")
        return export_from_request(request, "people")  # the page's filters, ?format=xlsx|csv
"""

from __future__ import annotations

import csv
import datetime
import operator
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django_tasks import task
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from .audit import audit_record
from .crypto import decrypt
from .identifiers import mask_id_number
from .jobs import job_create, job_enqueue, job_finish, job_progress, job_start, run_job
from .models import AuditResult
from .replica import on_replica

FORMATS = ("xlsx", "csv")
FULL_ID_PERMISSION = "reports.view_full_id_number"
# Query parameters of a full-number export: asked for, and why (kept out of the filters).
FULL_ID_PARAM = "full_id"
FULL_ID_REASON_PARAM = "full_id_reason"
FULL_ID_TOKEN_PARAM = "full_id_token"  # noqa: S105 (a parameter name)
FULL_ID_TOKEN_SALT = "xueshi.core.exports.full_id"  # noqa: S105 (a namespace)
FULL_ID_TOKEN_MAX_AGE = 900  # seconds between the form and its answer
FULL_ID_REASON_MIN = 5
FULL_ID_REASON_MAX = 200
DEFAULT_BACKGROUND_ROWS = 5000
PROGRESS_EVERY = 1000
PROGRESS_SECONDS = 1.0  # at most one progress write a second
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Text a spreadsheet would run as a formula (CSV/xlsx injection): shown with a leading quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: Any) -> Any:
    """`value`, with text that would start a formula turned into plain text by a leading quote.

    Every spreadsheet the platform hands out (exports, the bad-rows file of an import) goes
    through it: uploaded text must never come back as a live formula (CSV/xlsx injection).
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True)
class Column:
    """One column: its Chinese header and how to read the value from a row.

    `accessor` is a key (dicts, e.g. ``.values()`` rows, or an attribute path with ``__``) or
    a function of the row. `id_number` marks a column to mask for users without the permission.
    """

    header: str
    accessor: str | Callable[[Any], Any]
    width: float | None = None
    id_number: bool = False
    number_format: str | None = None
    # The accessor reads the stored (encrypted) ID number, decrypted by the export: once per
    # distinct value, not once per row as the model field would (a person has many claims).
    encrypted: bool = False

    def value(self, row: Any) -> Any:
        if callable(self.accessor):
            return self.accessor(row)
        if isinstance(row, Mapping):
            return row.get(self.accessor)
        value = row
        for part in self.accessor.split("__"):
            value = getattr(value, part, None) if value is not None else None
        return value

    @property
    def column_width(self) -> float:
        if self.width is not None:
            return self.width
        # CJK characters are about two Latin characters wide.
        return max(10.0, sum(2 if ord(char) > 0x2E80 else 1 for char in self.header) + 4.0)


ColumnLike = Column | tuple[str, str | Callable[[Any], Any]]


def as_columns(columns: Iterable[ColumnLike]) -> list[Column]:
    return [column if isinstance(column, Column) else Column(*column) for column in columns]


def may_see_full_id_numbers(user: Any) -> bool:
    return bool(user is not None and user.has_perm(FULL_ID_PERMISSION))


def background_threshold() -> int:
    return int(getattr(settings, "REPORTS_EXPORT_BACKGROUND_ROWS", DEFAULT_BACKGROUND_ROWS))


# --- cell values ---------------------------------------------------------------------------
# Each column's reading and cleaning is resolved once per export, not once per cell: at
# 100,000 rows the per-cell checks (which accessor, which kind of column) cost as much as
# writing the file.

Reader = Callable[[Any], Any]
SHOWN_ID_NUMBERS_KEPT = 50_000


def _getter(column: Column) -> Reader:
    """row -> the column's raw value; dict rows (``.values()``) take the shortest way."""
    accessor = column.accessor
    if callable(accessor):
        return accessor
    key = accessor
    general = column.value

    def get(row: Any) -> Any:
        return row.get(key) if type(row) is dict else general(row)

    return get


def _id_number_shower(column: Column, full_ids: bool) -> Reader:
    """raw value -> the ID number as shown: masked unless `full_ids`.

    A column reading the stored (encrypted) text (`Column.encrypted`) is decrypted here, once
    per distinct stored value: a person with several claims is decrypted and masked once.
    """
    shown: dict[str, Any] = {}  # bounded: a few MB at most, whatever the export's size

    def show(value: Any) -> Any:
        if value is None:
            return None
        try:
            return shown[value]
        except (KeyError, TypeError):
            pass
        plain = decrypt(value) if column.encrypted and value else value
        result = formula_safe(plain) if full_ids else mask_id_number(str(plain))
        if isinstance(value, str):
            if len(shown) >= SHOWN_ID_NUMBERS_KEPT:
                shown.clear()
            shown[value] = result
        return result

    return show


def _value_cleaner(date_cell: Callable[[datetime.datetime], Any] | None) -> Reader:
    """raw value -> the cell's value: local times (or the writer's date cell), no formulas."""
    zone = timezone.get_current_timezone()

    def clean(value: Any) -> Any:
        if value is None:
            return None
        if type(value) is str:
            return "'" + value if value.startswith(FORMULA_STARTS) else value
        if isinstance(value, datetime.datetime):
            if value.utcoffset() is not None:
                # Excel has no time zones: local (Asia/Shanghai) wall-clock time.
                value = value.astimezone(zone).replace(tzinfo=None)
            return value if date_cell is None else date_cell(value)
        return formula_safe(value)

    return clean


def _column_reader(
    column: Column, full_ids: bool, date_cell: Callable[[datetime.datetime], Any] | None = None
) -> Reader:
    """row -> the cell's value: ID numbers masked, local times, no formulas; one call a cell.

    `date_cell` turns a local time into what the writer appends (xlsx: a styled cell)."""
    get = _getter(column)
    if column.id_number:
        show = _id_number_shower(column, full_ids)
        return lambda row: show(get(row))
    key = column.accessor
    clean = _value_cleaner(date_cell)

    def read(row: Any) -> Any:
        return clean(row.get(key) if type(row) is dict and type(key) is str else get(row))

    return read


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return str(value)


# Values a cell takes as they are (no formula, no time zone): checked inline, not by a call.
AS_THEY_ARE = frozenset({int, float, Decimal, bool, type(None)})


def row_reader(
    columns: Sequence[Column],
    full_ids: bool,
    date_cells: Sequence[Callable[[datetime.datetime], Any] | None] | None = None,
) -> Callable[[Any], list[Any]]:
    """A function of one row giving its cleaned values, the columns' work resolved once.

    A dict row (``.values()``) has its plain columns (a key, not an ID number) read at once
    and cleaned inline; the others (ID numbers, functions) are each read by their own reader.
    """
    cells = list(date_cells) if date_cells else [None] * len(columns)
    readers = [
        _column_reader(column, full_ids, cells[index]) for index, column in enumerate(columns)
    ]
    plain = [
        index
        for index, column in enumerate(columns)
        if isinstance(column.accessor, str) and not column.id_number
    ]
    # Ascending: inserting each at its index leaves every plain value in its own place.
    special = [(index, readers[index]) for index in range(len(columns)) if index not in plain]
    keys = [columns[index].accessor for index in plain]
    cleaners = [_value_cleaner(cells[index]) for index in plain]

    def read_each(row: Any) -> list[Any]:
        return [read_cell(row) for read_cell in readers]

    if len(plain) < 2:
        return read_each
    get_plain = operator.itemgetter(*keys)

    def read(row: Any) -> list[Any]:
        if type(row) is not dict:
            return read_each(row)
        try:
            raw = get_plain(row)
        except KeyError:  # a key the row lacks reads as nothing: the general way
            return read_each(row)
        values = [
            value
            if type(value) in AS_THEY_ARE
            else ("'" + value if value.startswith(FORMULA_STARTS) else value)
            if type(value) is str
            else clean(value)
            for value, clean in zip(raw, cleaners, strict=True)
        ]
        for index, read_cell in special:
            values.insert(index, read_cell(row))
        return values

    return read


def row_values(row: Any, columns: Sequence[Column], full_ids: bool) -> list[Any]:
    return row_reader(columns, full_ids)(row)


# --- writers -------------------------------------------------------------------------------

DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def _styled_cell(sheet: WriteOnlyWorksheet, number_format: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet)
    cell.number_format = number_format
    return cell


def _set_value(cell: Any, value: Any) -> None:
    """A reused styled cell's new value, its number format kept (openpyxl gives a date a date
    format of its own when the cell's is not one)."""
    number_format = cell.number_format
    cell.value = value
    if cell.number_format != number_format:
        cell.number_format = number_format


def _date_cell(cell: Any) -> Callable[[datetime.datetime], Any]:
    """A column's reused date cell, given a new time (its format, a date format, stays)."""

    def given(value: datetime.datetime) -> Any:
        cell.value = value
        return cell

    return given


def write_xlsx(
    rows: Iterable[Any],
    columns: Sequence[Column],
    target: IO[bytes] | str,
    *,
    full_ids: bool = False,
    sheet_title: str = "Sheet1",
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the rows to `target` in write-only mode (constant memory); returns the row count."""
    workbook = Workbook(write_only=True)
    sheet: WriteOnlyWorksheet = workbook.create_sheet(title=sheet_title[:31] or "Sheet1")
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.column_width
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    centre = Alignment(horizontal="center", vertical="center")
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font, cell.fill, cell.alignment = bold, fill, centre
        header.append(cell)
    sheet.append(header)
    # One styled cell per column, given each row's value in turn: appending writes a cell out
    # at once, so it can be reused, and its style is looked up once, not on every row.
    formatted = {
        index: _styled_cell(sheet, column.number_format)
        for index, column in enumerate(columns)
        if column.number_format is not None
    }
    # A column with a number format of its own keeps it for times too.
    date_cells = [
        None if column.number_format else _date_cell(_styled_cell(sheet, DATETIME_FORMAT))
        for column in columns
    ]
    read = row_reader(columns, full_ids, date_cells)
    count = 0
    for row in rows:
        values = read(row)
        for index, cell in formatted.items():
            _set_value(cell, values[index])
            values[index] = cell
        sheet.append(values)
        count += 1
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
    workbook.save(target)
    return count


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def iter_csv(
    rows: Iterable[Any], columns: Sequence[Column], *, full_ids: bool = False
) -> Iterator[bytes]:
    """UTF-8 CSV with a BOM, one encoded line at a time."""
    writer = csv.writer(_Echo())
    yield "\ufeff".encode()
    yield writer.writerow([column.header for column in columns]).encode()
    read = row_reader(columns, full_ids)
    for row in rows:
        yield writer.writerow([_csv_text(value) for value in read(row)]).encode()


def write_csv(
    rows: Iterable[Any],
    columns: Sequence[Column],
    target: IO[bytes],
    *,
    full_ids: bool = False,
    progress: Callable[[int], None] | None = None,
) -> int:
    count = -2  # the BOM and the header line are not rows
    for chunk in iter_csv(rows, columns, full_ids=full_ids):
        target.write(chunk)
        count += 1
        if progress is not None and count > 0 and count % PROGRESS_EVERY == 0:
            progress(count)
    return max(count, 0)


def _iterate(rows: Iterable[Any]) -> Iterable[Any]:
    """Querysets are read in chunks, never all at once."""
    if isinstance(rows, QuerySet):
        return rows.iterator(chunk_size=2000)
    return rows


def _count(rows: Iterable[Any]) -> int | None:
    if isinstance(rows, QuerySet):
        return rows.count()
    if hasattr(rows, "__len__"):
        return len(rows)  # type: ignore[arg-type]
    return None


def download_name(filename: str, fmt: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"{filename}-{stamp}.{fmt}"


def _disposition(name: str) -> str:
    return (
        f"attachment; filename=\"export.{name.rsplit('.', 1)[-1]}\"; filename*=UTF-8''{quote(name)}"
    )


# --- the response --------------------------------------------------------------------------


def export_response(
    request: HttpRequest,
    rows: Iterable[Any],
    columns: Iterable[ColumnLike],
    fmt: str,
    filename: str,
    *,
    what: str = "",
    details: Mapping[str, Any] | None = None,
    full_id_reason: str = "",
) -> HttpResponse | StreamingHttpResponse:
    """Stream `rows` as xlsx or CSV and write the export to the audit log.

    ID numbers are masked unless `full_id_reason` is given by a holder of the permission
    (`full_id_request` decides that for the registered exports)."""
    if fmt not in FORMATS:
        raise PermissionDenied("不支持的导出格式。")
    column_list = as_columns(columns)
    full_ids = bool(full_id_reason) and may_see_full_id_numbers(request.user)
    count = _count(rows)
    name = download_name(filename, fmt)
    audit_record(
        action="export",
        actor=request.user,
        request=request,
        reason=full_id_reason if full_ids else "",
        details={
            "what": what or filename,
            "format": fmt,
            "rows": count,
            "full_id_numbers": full_ids and any(column.id_number for column in column_list),
            **(details or {}),
        },
    )
    response: HttpResponse | StreamingHttpResponse
    if fmt == "csv":
        response = StreamingHttpResponse(
            iter_csv(_iterate(rows), column_list, full_ids=full_ids),
            content_type="text/csv; charset=utf-8",
        )
    else:
        spool = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it once streamed)
        write_xlsx(_iterate(rows), column_list, spool, full_ids=full_ids, sheet_title=filename)
        spool.seek(0)
        response = FileResponse(spool, content_type=XLSX_TYPE)
    response["Content-Disposition"] = _disposition(name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


# --- registered exports, in the foreground or as a background job -------------------------


# The role is the accounts app's RoleAssignment; core knows it only as "the active role" that
# ActiveRoleMiddleware puts on the request, and reloads it in the worker through the loader
# that accounts registers at start-up (core imports no other app).
RowsBuilder = Callable[[Any, Mapping[str, str]], Iterable[Any]]
RoleLoader = Callable[[int], Any]
_role_loader: list[RoleLoader] = []


def register_role_loader(loader: RoleLoader) -> None:
    """Called once by the accounts app: how a worker turns a role id back into the role."""
    _role_loader[:] = [loader]


def _request_role(request: HttpRequest) -> Any:
    return getattr(request, "active_role", None)


def _load_role(role_id: int | None) -> Any:
    if role_id is None:
        return None
    if not _role_loader:
        raise RuntimeError("no role loader registered (is xueshi.accounts installed?)")
    return _role_loader[0](role_id)


@dataclass(frozen=True)
class ExportSpec:
    """A named export: rows rebuilt from the role and the query string (also in a worker)."""

    key: str
    title: str  # what the audit log and the job card say, e.g. 学时申报明细
    filename: str  # without date or extension
    columns: Sequence[Column]
    rows: RowsBuilder


EXPORTS: dict[str, ExportSpec] = {}


def register_export(spec: ExportSpec) -> ExportSpec:
    EXPORTS[spec.key] = spec
    return spec


def get_export(key: str) -> ExportSpec:
    try:
        return EXPORTS[key]
    except KeyError:
        raise PermissionDenied("未知的导出内容。") from None


def form_data(form_class: Any, params: Mapping[str, str]) -> dict[str, str]:
    """A filter form's own fields from the query string; empty (the page's unbound form) if none."""
    return {name: params[name] for name in form_class.base_fields if name in params}


def requested_format(request: HttpRequest) -> str:
    """The `format` asked for (xlsx by default); anything else is refused."""
    fmt = request.GET.get("format", "xlsx")
    if fmt not in FORMATS:
        raise PermissionDenied("不支持的导出格式。")
    return fmt


def export_from_request(request: HttpRequest, key: str) -> HttpResponseBase:
    """An export view's answer: export `key` with the page's filters, in the format asked for."""
    return export_or_enqueue(request, key, request.GET, requested_format(request))


@dataclass(frozen=True)
class FullIdRequest:
    """What an export's query string asks about full ID numbers."""

    wanted: bool
    reason: str = ""
    error: str = ""  # the reason is missing or too short: ask again

    @property
    def granted(self) -> bool:
        return self.wanted and not self.error


def full_id_request(request: HttpRequest, params: Mapping[str, str], what: str) -> FullIdRequest:
    """Full numbers only on request, with the permission and a reason. Asking without the
    permission is refused and audited (someone probing for personal data)."""
    if params.get(FULL_ID_PARAM) != "1":
        return FullIdRequest(wanted=False)
    if not may_see_full_id_numbers(request.user):
        audit_record(
            action="export.full_id_refused",
            actor=request.user,
            request=request,
            details={"what": what},
            result=AuditResult.FAILURE,
        )
        raise PermissionDenied("您没有导出完整证件号码的权限。")
    reason = " ".join(str(params.get(FULL_ID_REASON_PARAM, "")).split())
    if FULL_ID_REASON_PARAM not in params or not _full_id_token_valid(request, params):
        # Only the form this user was shown may ask: a link made by someone else (the export
        # is a GET) shows the form instead of exporting under their reason.
        return FullIdRequest(wanted=True, reason=reason, error=" ")
    if len(reason) < FULL_ID_REASON_MIN:
        return FullIdRequest(
            wanted=True, reason=reason, error=f"请填写导出原因，至少 {FULL_ID_REASON_MIN} 个字。"
        )
    if len(reason) > FULL_ID_REASON_MAX:
        return FullIdRequest(
            wanted=True, reason=reason, error=f"导出原因不能超过 {FULL_ID_REASON_MAX} 个字。"
        )
    return FullIdRequest(wanted=True, reason=reason)


def _full_id_token(request: HttpRequest) -> str:
    return signing.TimestampSigner(salt=FULL_ID_TOKEN_SALT).sign(str(request.user.pk))


def _full_id_token_valid(request: HttpRequest, params: Mapping[str, str]) -> bool:
    try:
        user_pk = signing.TimestampSigner(salt=FULL_ID_TOKEN_SALT).unsign(
            str(params.get(FULL_ID_TOKEN_PARAM, "")), max_age=FULL_ID_TOKEN_MAX_AGE
        )
    except signing.BadSignature:
        return False
    return user_pk == str(request.user.pk)


def _ask_full_id_reason(
    request: HttpRequest,
    spec: ExportSpec,
    params: Mapping[str, str],
    fmt: str,
    asked: FullIdRequest,
) -> HttpResponse:
    """The form that asks why full numbers are needed; the page's filters ride along."""
    carried = [
        (name, params[name])
        for name in params
        if name not in (FULL_ID_PARAM, FULL_ID_REASON_PARAM, FULL_ID_TOKEN_PARAM, "format")
    ]
    return render(
        request,
        "core/full_id_reason.html",
        {
            "title": spec.title,
            "format": fmt,
            "carried": carried,
            "token": _full_id_token(request),
            "reason": asked.reason,
            "error": asked.error.strip(),
            "minimum": FULL_ID_REASON_MIN,
            "maximum": FULL_ID_REASON_MAX,
            "back": request.META.get("HTTP_REFERER", ""),
        },
        status=400 if asked.error.strip() else 200,
    )


def export_or_enqueue(
    request: HttpRequest, key: str, params: Mapping[str, str], fmt: str
) -> HttpResponseBase:
    """Stream the export now, or above the threshold start a background job and show it."""
    if fmt not in FORMATS:
        raise PermissionDenied("不支持的导出格式。")
    spec = get_export(key)
    asked = full_id_request(request, params, spec.title)
    if asked.wanted and asked.error:
        return _ask_full_id_reason(request, spec, params, fmt, asked)
    role = _request_role(request)
    plain = {
        name: params.get(name, "")
        for name in params
        if name not in ("format", "table", FULL_ID_PARAM, FULL_ID_REASON_PARAM, FULL_ID_TOKEN_PARAM)
    }
    rows = on_replica(spec.rows(role, plain))
    count = _count(rows)
    if count is None or count <= background_threshold():
        return export_response(
            request,
            rows,
            spec.columns,
            fmt,
            spec.filename,
            what=spec.title,
            details={"filters": plain},
            full_id_reason=asked.reason if asked.granted else "",
        )
    job = start_background_export(
        request, spec, role, plain, fmt, count, full_id_reason=asked.reason if asked.granted else ""
    )
    return redirect("core:job_status", job.pk)


def start_background_export(
    request: HttpRequest,
    spec: ExportSpec,
    role: Any,
    params: Mapping[str, str],
    fmt: str,
    count: int,
    *,
    full_id_reason: str = "",
) -> Any:
    full_ids = bool(full_id_reason) and may_see_full_id_numbers(request.user)
    audit_record(
        action="export",
        actor=request.user,
        request=request,
        reason=full_id_reason if full_ids else "",
        details={
            "what": spec.title,
            "format": fmt,
            "rows": count,
            "background": True,
            "full_id_numbers": full_ids and any(column.id_number for column in spec.columns),
            "filters": dict(params),
        },
    )
    job = job_create(
        kind="export", created_by=request.user, title=f"导出{spec.title}（{fmt}）", total=count
    )
    job_enqueue(job, export_task, spec.key, role.pk if role else None, dict(params), fmt, full_ids)
    return job


def run_export_job(
    job_id: int,
    key: str,
    role_id: int | None,
    params: Mapping[str, str],
    fmt: str,
    full_ids: bool,
) -> None:
    """The background job's work: write the file in a temporary file, then attach it."""
    spec = get_export(key)
    role = _load_role(role_id)
    rows = on_replica(spec.rows(role, params))
    job_start(job_id, total=_count(rows))
    last_written = time.monotonic()

    def progress(done: int) -> None:
        # The job card polls every 2 seconds: more than one write a second only costs time
        # (on SQLite each one is a connection of its own).
        nonlocal last_written
        if time.monotonic() - last_written >= PROGRESS_SECONDS:
            job_progress(job_id, done=done)
            last_written = time.monotonic()

    with tempfile.TemporaryFile() as spool:
        if fmt == "csv":
            count = write_csv(
                _iterate(rows), spec.columns, spool, full_ids=full_ids, progress=progress
            )
        else:
            count = write_xlsx(
                _iterate(rows),
                spec.columns,
                spool,
                full_ids=full_ids,
                sheet_title=spec.filename,
                progress=progress,
            )
        spool.seek(0)
        job_finish(
            job_id,
            message=f"共导出 {count} 行。",
            result={"rows": count, "format": fmt},
            file_name=download_name(spec.filename, fmt),
            content=File(spool),
        )


@task()
def export_task(
    job_id: int,
    key: str,
    role_id: int | None,
    params: dict[str, Any],
    fmt: str,
    full_ids: bool,
) -> None:
    """Background exports (above the row threshold), run by the django_tasks worker."""
    run_job(job_id, lambda: run_export_job(job_id, key, role_id, params, fmt, full_ids))
