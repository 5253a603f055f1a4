"""The one spreadsheet reader for every upload (claims and staff imports, general-subject
records): workbooks (xlsx, and xls if a caller accepts it) and CSV, read row by row, with one
header normaliser, so every upload reads the same header the same way.

Workbooks are read with python-calamine (Rust; far cheaper per cell than openpyxl), one row at
a time; openpyxl in read-only mode is the fallback for a workbook calamine cannot open. Row
numbers are the sheet's own (1-based), so a problem points at the row the sender sees. Which
formats an upload accepts, and what its headers mean, is the caller's business; a file that
cannot be read at all is a ``SpreadsheetError`` with the reason in Chinese.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

import openpyxl
import python_calamine

ZIP_MAGIC = b"PK\x03\x04"  # xlsx (and every other OOXML file)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # xls (and .doc, .et …)
UNREADABLE_WORKBOOK = "无法读取该文件：文件不是有效的 Excel 工作簿（.xlsx），或已损坏。"
UNKNOWN_ENCODING = "无法识别文件编码：请保存为 UTF-8 或 GB18030（GBK）编码的 CSV。"

# A note in brackets after a header: 学时（必填）, 证件号码(18位).
_NOTE = re.compile(r"\([^)]*\)")
# Spaces of every width, line breaks, tabs, the required mark and a trailing colon.
_NOISE = re.compile(r"[\s*:]")


class SpreadsheetError(ValueError):
    """The file cannot be read as a spreadsheet at all."""


def normalize_header(value: Any) -> str:
    """A header cell as the name it stands for: ' 证件号码* ', '证件号码（必填）', '证件\\n号码',
    '证件号码：' → '证件号码'. Full-width letters, digits, brackets, colons and the ideographic
    space count as their ordinary forms (NFKC), so '记录ＩＤ' is '记录ID'."""
    text = unicodedata.normalize("NFKC", "" if value is None else str(value))
    return _NOISE.sub("", _NOTE.sub("", text))


@dataclass
class Table:
    """A sheet's rows, the header row included: (sheet row number, cells)."""

    rows: Iterator[tuple[int, list[Any]]]
    height: int  # rows from the first used one on, blank rows included (an upper bound)


def read_table(data: bytes | IO[bytes], *, prefer: Sequence[str] = ()) -> Table:
    """A workbook (by its content: xlsx or xls) or else a CSV file."""
    source = data if isinstance(data, bytes) else _rewound(data).read()
    if source.startswith((ZIP_MAGIC, OLE_MAGIC)):
        return read_workbook(io.BytesIO(source), prefer=prefer)
    return read_csv(source)


def read_workbook(source: str | IO[bytes], *, prefer: Sequence[str] = ()) -> Table:
    """The data sheet (the first of `prefer` present, else the first visible one)."""
    try:
        return _calamine(source, prefer)
    except SpreadsheetError:
        raise
    except Exception:  # calamine could not parse it: openpyxl tries before refusing
        return _openpyxl(source, prefer)


def read_csv(data: bytes) -> Table:
    """UTF-8 with or without BOM, GB18030 (what Excel on a Chinese Windows writes) as the
    fallback; comma, semicolon or tab separated (whichever the first line has most of)."""
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count) if first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return Table(((number, row) for number, row in enumerate(reader, start=1)), text.count("\n"))


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SpreadsheetError(UNKNOWN_ENCODING)


def _rewound(source: IO[bytes]) -> IO[bytes]:
    source.seek(0)
    return source


def _pick_sheet(names: Sequence[str], visible: Sequence[bool], prefer: Sequence[str]) -> str:
    for wanted in prefer:
        if wanted in names:
            return wanted
    for name, shown in zip(names, visible, strict=True):
        if shown:
            return name
    raise SpreadsheetError("工作簿中没有可见的工作表。")


def _calamine(source: str | IO[bytes], prefer: Sequence[str]) -> Table:
    if isinstance(source, str):
        workbook = python_calamine.CalamineWorkbook.from_path(source)
    else:
        workbook = python_calamine.CalamineWorkbook.from_filelike(_rewound(source))
    metadata = workbook.sheets_metadata
    name = _pick_sheet(
        [m.name for m in metadata],
        [m.visible == python_calamine.SheetVisibleEnum.Visible for m in metadata],
        prefer,
    )
    sheet = workbook.get_sheet_by_name(name)
    # Calamine starts at the first used row; the numbers are the sheet's own.
    first = (sheet.start[0] if sheet.start else 0) + 1
    rows = ((first + i, list(cells)) for i, cells in enumerate(sheet.iter_rows()))
    return Table(rows, sheet.height)


def _openpyxl(source: str | IO[bytes], prefer: Sequence[str]) -> Table:
    try:
        workbook = openpyxl.load_workbook(
            source if isinstance(source, str) else _rewound(source), read_only=True, data_only=True
        )
    except Exception as error:  # any parse failure means "not a workbook"
        raise SpreadsheetError(UNREADABLE_WORKBOOK) from error
    names = workbook.sheetnames
    visible = [workbook[n].sheet_state == "visible" for n in names]
    worksheet = workbook[_pick_sheet(names, visible, prefer)]
    rows = worksheet.iter_rows(values_only=True)
    return Table(
        ((n, list(cells)) for n, cells in enumerate(rows, start=1)), worksheet.max_row or 1
    )


def present(value: Any) -> bool:
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


def is_blank_row(cells: Sequence[Any]) -> bool:
    return not any(present(cell) for cell in cells)


def cell_text(value: Any) -> str:
    """A cell as text: 1001.0 from a spreadsheet is "1001", dates are ISO dates."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()
