"""One spreadsheet reader: the claims/staff imports and the general-subject records import
read the same header variants the same way (they used two normalisers that disagreed)."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import pytest
from openpyxl import Workbook

from xueshi.core.spreadsheets import normalize_header
from xueshi.imports.columns import column_positions, staff_columns
from xueshi.imports.xlsx import open_sheet
from xueshi.ledger.parsers import parse_general_records

VARIANTS: dict[str, Callable[[str], str]] = {
    "as in the template": lambda h: h,
    "spaces around": lambda h: f" {h} ",
    "ideographic space inside": lambda h: f"{h[:1]}\u3000{h[1:]}",
    "line break inside": lambda h: f"{h[:1]}\n{h[1:]}",
    "carriage return and tab": lambda h: f"{h}\r\n\t",
    "required mark": lambda h: f"{h}*",
    "full-width required mark": lambda h: f"＊{h}",
    "note in full-width brackets": lambda h: f"{h}（必填）",
    "note in plain brackets": lambda h: f"{h}(请按模板填写)",
    "full-width colon": lambda h: f"{h}：",
}

STAFF_HEADERS = ["证件号码", "姓名", "联系电话", "部门", "在编"]
RECORD_HEADERS = ["身份证号", "姓名", "课程名称", "学时", "完成日期", "学习平台", "记录号"]
RECORD = ["410502198501010011", "张三", "公需科目：数字经济", "6", "2025-03-01", "某平台", "R-1"]


def xlsx(rows: Sequence[Sequence[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.mark.parametrize("variant", VARIANTS, ids=list(VARIANTS))
def test_both_imports_read_the_header_variant(variant: str) -> None:
    change = VARIANTS[variant]
    columns = staff_columns(["办公室"])

    sheet = open_sheet(io.BytesIO(xlsx([[change(h) for h in STAFF_HEADERS]])))
    positions = column_positions(sheet.headers, columns)
    assert positions == {column.key: index for index, column in enumerate(columns)}

    records = [[change(h) for h in RECORD_HEADERS], RECORD]
    from_xlsx = parse_general_records(xlsx(records), file_name="r.xlsx")
    csv_text = "\n".join(",".join(f'"{cell}"' for cell in row) for row in records)
    from_csv = parse_general_records(csv_text.encode(), file_name="r.csv")
    for parsed in (from_xlsx, from_csv):
        assert parsed.problems == []
        assert [(r.id_number, r.course, r.record_id) for r in parsed.rows] == [
            ("410502198501010011", "公需科目：数字经济", "R-1")
        ]


def test_full_width_letters_and_digits_count_as_ordinary_ones() -> None:
    assert normalize_header("记录ＩＤ") == normalize_header("记录ID") == "记录ID"
    records = [[*RECORD_HEADERS[:-1], "记录ＩＤ"], RECORD]
    parsed = parse_general_records(xlsx(records), file_name="r.xlsx")
    assert [r.record_id for r in parsed.rows] == ["R-1"]
