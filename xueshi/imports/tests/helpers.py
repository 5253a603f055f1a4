"""Building upload files from the real templates, as a unit admin would fill them."""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from typing import Any

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from xueshi.accounts.models import RoleAssignment
from xueshi.imports.models import ImportKind
from xueshi.imports.services import template_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def this_year() -> int:
    return timezone.localdate().year


def day(month: int, dom: int) -> datetime.date:
    return datetime.date(this_year(), month, dom)


def fill_template(
    role: RoleAssignment,
    rows: Sequence[dict[str, Any]],
    *,
    kind: str = ImportKind.CLAIMS,
) -> bytes:
    """The unit's template with `rows` (header → value) typed into the data sheet."""
    _name, content = template_for(kind, role)
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    for offset, row in enumerate(rows, start=2):
        for header, value in row.items():
            cell = sheet.cell(row=offset, column=headers.index(header) + 1, value=value)
            if isinstance(value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def plain_workbook(rows: Sequence[Sequence[Any]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "导入.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX)


def claim_row(
    person_id: str, name: str, category: str = "培训进修类-培训班", **overrides: Any
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "证件号码": person_id,
        "姓名": name,
        "认定类型": category,
        "认定内容": f"{name}的培训",
        "开始时间": day(3, 2),
        "结束时间": day(3, 3),
        "认定内容说明": "线下培训",
    }
    row.update(overrides)
    return row


def read_sheet(content: bytes) -> list[list[Any]]:
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
