"""The bad-rows workbook hands uploaded text back: it must never come back as a live formula."""

from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import load_workbook

from xueshi.imports.workbooks import bad_rows_workbook

HOSTILE = ['=HYPERLINK("http://x","点我")', "+1+1", "-2+3", "@SUM(A1)", "=1+1"]


def _reopened(cells: list[object]):
    content = bad_rows_workbook(
        ["甲", "乙", "丙", "丁", "戊", "日期"], [(2, cells, "原因")], sheet_title="错误行"
    )
    return load_workbook(io.BytesIO(content)).active


@pytest.mark.parametrize("text", HOSTILE)
def test_text_that_looks_like_a_formula_comes_back_as_text(text: str) -> None:
    sheet = _reopened([text])

    cell = sheet["A2"]
    assert cell.data_type == "s"
    assert cell.value == "'" + text
    assert sheet["G2"].value == "原因"


def test_ordinary_values_are_kept_as_they_were() -> None:
    sheet = _reopened(["张三", 12.5, "", "a=b", "-", datetime.date(2025, 3, 1)])

    assert sheet["A2"].value == "张三"
    assert sheet["B2"].value == 12.5
    assert sheet["C2"].value is None
    assert sheet["D2"].value == "a=b"
    assert sheet["E2"].data_type == "s"
    assert sheet["F2"].value.date() == datetime.date(2025, 3, 1)
