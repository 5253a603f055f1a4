"""Reading uploaded workbooks: checked by content, then streamed row by row.

Rows are read by the platform's one spreadsheet reader (``core.spreadsheets``: python-calamine,
openpyxl as the fallback, one header normaliser); what an import accepts (xlsx only, size) and
what its cells mean is decided here. Every refusal of a whole file is an ``ImportRefused``
with the reason in Chinese.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import openpyxl

from xueshi.core.spreadsheets import (
    ZIP_MAGIC,
    SpreadsheetError,
    cell_text,
    is_blank_row,
    normalize_header,
    present,
    read_workbook,
)

__all__ = ["cell_text", "is_blank_row", "normalize_header"]

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
DATA_SHEET_NAMES = ("学员培训信息", "人员信息")
# Columns the import itself adds to a bad-rows file; ignored when that file is uploaded again.
ERROR_COLUMN = "错误原因"


class ImportRefused(ValueError):
    """The whole file is refused (not xlsx, empty, wrong headers); nothing was imported."""


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
    """Open the data sheet (one named like the template's, or the first visible) and its
    headers (the first used row), read by the platform's one spreadsheet reader."""
    try:
        table = read_workbook(source, prefer=DATA_SHEET_NAMES)
        first = next(table.rows, None)
    except SpreadsheetError as error:
        raise ImportRefused(str(error)) from error
    if first is None or not any(present(cell) for cell in first[1]):
        raise ImportRefused("文件中没有数据：第 1 行应为表头（请使用导入模板）。")
    return Sheet([normalize_header(h) for h in first[1]], table.rows, max(table.height - 1, 0))


# --- cell values ----------------------------------------------------------------------------

EXCEL_EPOCH = datetime.date(1899, 12, 30)
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


class CellError(ValueError):
    pass


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
