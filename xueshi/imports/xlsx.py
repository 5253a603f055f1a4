"""Reading uploaded workbooks: checked by content, then streamed row by row.

Rows are read with python-calamine (Rust; far cheaper per cell than openpyxl), one row at a
time; openpyxl in read-only mode is the fallback for a workbook calamine cannot open. Every
refusal of a whole file is an ``ImportRefused`` with the reason in Chinese.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

import openpyxl
import python_calamine

ZIP_MAGIC = b"PK\x03\x04"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
DATA_SHEET_NAMES = ("学员培训信息", "人员信息")
# Columns the import itself adds to a bad-rows file; ignored when that file is uploaded again.
ERROR_COLUMN = "错误原因"


class ImportRefused(ValueError):
    """The whole file is refused (not xlsx, empty, wrong headers); nothing was imported."""


def normalize_header(value: Any) -> str:
    """'证件号码*' / ' 证件号码（必填） ' → '证件号码'."""
    text = "" if value is None else str(value)
    text = text.replace("\n", "").replace(" ", "").replace("\u3000", "")
    for mark in ("（必填）", "(必填)", "*", "＊"):
        text = text.replace(mark, "")
    return text


@dataclass
class Sheet:
    """The data sheet of an upload: its headers and an iterator over (row number, cells)."""

    headers: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    height: int  # rows below the header, blank rows included (an upper bound)


def check_workbook_bytes(head: bytes, size: int) -> None:
    if size == 0:
        raise ImportRefused("上传的文件是空的。")
    if size > MAX_UPLOAD_BYTES:
        raise ImportRefused(f"文件过大：最大 {MAX_UPLOAD_BYTES // 1024 // 1024} MB。")
    if not head.startswith(ZIP_MAGIC):
        raise ImportRefused(
            "文件不是 Excel 工作簿（.xlsx）：请用导入模板填写后，另存为 Excel 工作簿再上传"
            "（不支持 .xls、.csv 或 .et 等格式）。"
        )


def open_sheet(source: str | IO[bytes]) -> Sheet:
    """Open the data sheet (first visible, or one named like the template's) and its headers."""
    data = source if isinstance(source, str) else _as_bytes_io(source)
    try:
        return _open_calamine(data)
    except ImportRefused:
        raise
    except Exception:  # calamine could not parse it: openpyxl tries before refusing
        return _open_openpyxl(data)


def _as_bytes_io(source: IO[bytes]) -> IO[bytes]:
    source.seek(0)
    return source


def _pick_sheet(names: Sequence[str], visible: Sequence[bool]) -> str:
    for wanted in DATA_SHEET_NAMES:
        if wanted in names:
            return wanted
    for name, shown in zip(names, visible, strict=True):
        if shown:
            return name
    raise ImportRefused("工作簿中没有可见的工作表。")


def _open_calamine(data: str | IO[bytes]) -> Sheet:
    if isinstance(data, str):
        workbook = python_calamine.CalamineWorkbook.from_path(data)
    else:
        data.seek(0)
        workbook = python_calamine.CalamineWorkbook.from_filelike(data)
    metadata = workbook.sheets_metadata
    name = _pick_sheet(
        [m.name for m in metadata],
        [m.visible == python_calamine.SheetVisibleEnum.Visible for m in metadata],
    )
    sheet = workbook.get_sheet_by_name(name)
    first_row = sheet.start[0] if sheet.start else 0
    iterator = iter(sheet.iter_rows())
    header = next(iterator, None)
    if header is None or not any(_present(cell) for cell in header):
        raise ImportRefused("文件中没有数据：第 1 行应为表头（请使用导入模板）。")
    # Calamine starts at the first used row; row numbers are the sheet's own (1-based).
    header_number = first_row + 1
    rows = ((header_number + i, list(cells)) for i, cells in enumerate(iterator, start=1))
    return Sheet([normalize_header(h) for h in header], rows, max(sheet.height - 1, 0))


def _open_openpyxl(data: str | IO[bytes]) -> Sheet:
    try:
        if not isinstance(data, str):
            data.seek(0)
        workbook = openpyxl.load_workbook(data, read_only=True, data_only=True)
    except Exception as error:  # any parse failure means "not a workbook"
        raise ImportRefused(
            "无法读取该文件：文件不是有效的 Excel 工作簿（.xlsx），或已损坏。"
        ) from error
    names = workbook.sheetnames
    visible = [workbook[n].sheet_state == "visible" for n in names]
    worksheet = workbook[_pick_sheet(names, visible)]
    iterator = worksheet.iter_rows(values_only=True)
    header = next(iterator, None)
    if header is None or not any(_present(cell) for cell in header):
        raise ImportRefused("文件中没有数据：第 1 行应为表头（请使用导入模板）。")
    rows = ((1 + i, list(cells)) for i, cells in enumerate(iterator, start=1))
    height = max((worksheet.max_row or 1) - 1, 0)
    return Sheet([normalize_header(h) for h in header], rows, height)


def _present(value: Any) -> bool:
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


def is_blank_row(cells: Sequence[Any]) -> bool:
    return not any(_present(cell) for cell in cells)


# --- cell values ----------------------------------------------------------------------------

EXCEL_EPOCH = datetime.date(1899, 12, 30)
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


class CellError(ValueError):
    pass


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def cell_date(value: Any, label: str) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # An unformatted date cell shows its serial number (days since 1899-12-30).
        if 1 <= value < 2958466:
            return EXCEL_EPOCH + datetime.timedelta(days=int(value))
        raise CellError(f"{label}不是有效日期（应为 yyyy-mm-dd）")
    text = str(value).strip()
    for pattern in DATE_FORMATS:
        try:
            parsed = datetime.datetime.strptime(text[:19].split(" ")[0], pattern)  # noqa: DTZ007
            return parsed.date()
        except ValueError:
            continue
    raise CellError(f"{label}“{text}”不是有效日期（应为 yyyy-mm-dd，例如 2025-03-01）")


def workbook_bytes(workbook: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
