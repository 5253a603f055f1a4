"""Reading general-subject course records (公需科目学习记录) from a CSV or xlsx file.

One parser for the upload page and the `import_general_records` command; both hand the rows to
`services.general_records_import`, the same service the JSON API will call.

Read by the platform's one spreadsheet reader (``core.spreadsheets``), as the claims and staff
imports are, with its one header normaliser:

- CSV: UTF-8 with or without BOM; GB18030 (what Excel on a Chinese Windows writes) as fallback;
  comma, semicolon or tab separated.
- xlsx: the first visible sheet.
- Headers in Chinese (身份证号, 姓名, 课程名称, 学时, 完成日期, 学习平台, 记录号) with a few
  aliases; spaces, line breaks, a required-mark "*", a colon, a note in brackets ("学时（必填）")
  and full-width forms are ignored.
- Row numbers are the spreadsheet's (the header is usually row 1), so problems point at the
  line the sender sees.

The parser only reads: checking the ID number, name, hours and date is the service's job.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from xueshi.core.spreadsheets import (
    OLE_MAGIC,
    ZIP_MAGIC,
    SpreadsheetError,
    cell_text,
    normalize_header,
    read_csv,
    read_workbook,
)

from .services import GeneralRecordRow

# Field → accepted headers (after normalising); the first one is the template's.
HEADERS: dict[str, tuple[str, ...]] = {
    "id_number": ("身份证号", "身份证号码", "证件号码", "证件号", "身份证"),
    "name": ("姓名", "学员姓名"),
    "course": ("课程名称", "课程", "课程名", "培训名称"),
    "hours": ("学时", "学时数", "获得学时", "课程学时"),
    "completed_on": ("完成日期", "完成时间", "学习完成日期", "结业日期"),
    "provider": ("学习平台", "平台", "平台名称", "学习平台名称"),
    "record_id": ("记录号", "平台记录号", "记录编号", "学习记录号", "记录ID"),
}
REQUIRED = ("id_number", "course", "hours", "completed_on", "record_id")
LABELS = {name: headers[0] for name, headers in HEADERS.items()}
MAX_ROWS = 200_000


class ParseError(ValueError):
    """The file cannot be read at all (wrong type, no header, a required column missing)."""


@dataclass
class ParsedFile:
    rows: list[GeneralRecordRow] = field(default_factory=list)
    # (row number, reason): rows the parser could not hand on, in Chinese.
    problems: list[tuple[int, str]] = field(default_factory=list)


def _alias_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for name, headers in HEADERS.items():
        for header in headers:
            index[normalize_header(header).lower()] = name
    return index


def _columns(header: Sequence[Any]) -> dict[str, int]:
    aliases = _alias_index()
    columns: dict[str, int] = {}
    for position, cell in enumerate(header):
        name = aliases.get(normalize_header(cell).lower())
        if name is not None and name not in columns:
            columns[name] = position
    return columns


def _hours(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))  # 1.5 → Decimal("1.5"), not its binary expansion
    return cell_text(value)


def _completed_on(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return cell_text(value)


def rows_from_table(
    table: Iterable[tuple[int, Sequence[Any]]], *, default_provider: str = ""
) -> ParsedFile:
    """Turn a header row and data rows into GeneralRecordRow objects (blank rows skipped)."""
    parsed = ParsedFile()
    header: Sequence[Any] | None = None
    columns: dict[str, int] = {}
    for number, cells in table:
        if not any(cell_text(cell) for cell in cells):
            continue
        if header is None:
            header = cells
            columns = _columns(cells)
            missing = [LABELS[name] for name in REQUIRED if name not in columns]
            if "provider" not in columns and not default_provider:
                missing.append(LABELS["provider"])
            if missing:
                raise ParseError(
                    f"第 {number} 行（表头）缺少列：{'、'.join(missing)}。"
                    f"应有：{'、'.join(LABELS.values())}。"
                )
            continue
        if len(parsed.rows) + len(parsed.problems) >= MAX_ROWS:
            raise ParseError(f"文件超过 {MAX_ROWS} 行，请分成多个文件导入。")

        def cell(name: str, row: Sequence[Any] = cells, at: dict[str, int] = columns) -> Any:
            position = at.get(name)
            return row[position] if position is not None and position < len(row) else None

        raw_id = cell("id_number")
        if isinstance(raw_id, float | int) and not isinstance(raw_id, bool):
            parsed.problems.append(
                (
                    number,
                    "身份证号被存成了数字，后几位可能已丢失；请把该列设为“文本”格式后重新导出。",
                )
            )
            continue
        parsed.rows.append(
            GeneralRecordRow(
                row_number=number,
                id_number=cell_text(raw_id),
                name=cell_text(cell("name")),
                course=cell_text(cell("course")),
                hours=_hours(cell("hours")),
                completed_on=_completed_on(cell("completed_on")),
                provider=cell_text(cell("provider")) or default_provider,
                record_id=cell_text(cell("record_id")),
            )
        )
    if header is None:
        raise ParseError("文件是空的：没有表头和数据行。")
    return parsed


def parse_general_records(
    source: bytes | BinaryIO, *, file_name: str = "", default_provider: str = ""
) -> ParsedFile:
    """Read a CSV or xlsx file (decided by its content, then its name)."""
    data = source if isinstance(source, bytes) else source.read()
    suffix = Path(file_name).suffix.lower()
    workbook = data.startswith(ZIP_MAGIC)
    if data.startswith(OLE_MAGIC) or (suffix in (".xlsx", ".xls") and not workbook):
        raise ParseError("只支持 .xlsx 与 .csv 文件；旧版 .xls 请在 Excel 中另存为 .xlsx。")
    try:
        table = read_workbook(io.BytesIO(data)) if workbook else read_csv(data)
        return rows_from_table(table.rows, default_provider=default_provider.strip())
    except SpreadsheetError as error:
        raise ParseError(str(error)) from error


def template_csv() -> bytes:
    """The import template: the headers and one example row, UTF-8 with BOM for Excel."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(LABELS.values())
    writer.writerow(
        [
            "410502198501010011",
            "张三",
            "公需科目：数字经济与创新发展",
            "6",
            "2025-03-01",
            "某某专技在线学习平台",
            "R-0001",
        ]
    )
    return out.getvalue().encode("utf-8-sig")
