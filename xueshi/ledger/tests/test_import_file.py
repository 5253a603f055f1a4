"""General-subject records from a file: CSV (UTF-8 with BOM, GB18030) and xlsx, idempotent
re-import, unknown ID numbers reported by row; the two commands' output and exit codes."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from xueshi.ledger.models import GeneralRecord, LedgerEntry, YearTotal
from xueshi.ledger.parsers import ParseError, parse_general_records
from xueshi.ledger.selectors import year_compliance
from xueshi.ledger.services import general_records_import
from xueshi.ledger.tests.test_ledger import THIS_YEAR

UNKNOWN_ID = "11010519491231002X"  # valid, but nobody in the demo


def csv_text(li_ming_id: str) -> str:
    return (
        "身份证号,姓名,课程名称,学时,完成日期,学习平台,记录号\n"
        f"{li_ming_id},李明,公需科目：数字经济,6,{THIS_YEAR}-03-01,河南专技在线,F-1\n"
        "\n"  # blank lines are skipped, numbering follows the file
        f"{UNKNOWN_ID},某某,公需科目：法治,3,{THIS_YEAR}-03-02,河南专技在线,F-2\n"
        f"{li_ming_id},李明,公需科目：心理健康,4.5,{THIS_YEAR}/05/06,河南专技在线,F-3\n"
    )


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_csv_with_bom_reads_rows_with_file_row_numbers(demo):
    li = demo.person("李明")
    parsed = parse_general_records(csv_text(li.id_number).encode("utf-8-sig"), file_name="a.csv")
    assert parsed.problems == []
    assert [row.row_number for row in parsed.rows] == [2, 4, 5]
    first = parsed.rows[0]
    assert (first.id_number, first.name, first.course, first.provider, first.record_id) == (
        li.id_number,
        "李明",
        "公需科目：数字经济",
        "河南专技在线",
        "F-1",
    )


def test_csv_without_bom_and_gb18030(demo):
    text = csv_text(demo.person("李明").id_number)
    for encoding in ("utf-8", "gb18030"):
        rows = parse_general_records(text.encode(encoding), file_name="a.csv").rows
        assert rows[0].course == "公需科目：数字经济"


def test_aliases_and_default_provider_and_semicolons(demo):
    li = demo.person("李明")
    text = (
        "证件号码;学员姓名;课程名称（必填）;学时数;完成时间;平台记录号\n"
        f"{li.id_number};李明;课一;2;{THIS_YEAR}-01-02;R9\n"
    )
    parsed = parse_general_records(text.encode(), default_provider="河南专技在线")
    assert parsed.rows[0].provider == "河南专技在线" and parsed.rows[0].record_id == "R9"
    with pytest.raises(ParseError, match="学习平台"):
        parse_general_records(text.encode())  # no provider column and none given


def test_missing_column_and_empty_file():
    with pytest.raises(ParseError, match="缺少列：身份证号"):
        parse_general_records("姓名,课程名称,学时,完成日期,学习平台,记录号\n".encode())
    with pytest.raises(ParseError, match="空"):
        parse_general_records(b"\xef\xbb\xbf\n\n")
    with pytest.raises(ParseError, match=r"\.xls"):
        parse_general_records(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", file_name="old.xls")


def test_xlsx_with_typed_cells(demo):
    li = demo.person("李明")
    morning = datetime.datetime(THIS_YEAR, 4, 1, 9)  # noqa: DTZ001 (Excel cells have no zone)
    data = xlsx_bytes(
        [
            ["身份证号", "姓名", "课程名称", "学时", "完成日期", "学习平台", "记录号"],
            [li.id_number, "李明", "公需科目：数字经济", 6, datetime.date(THIS_YEAR, 3, 1),
             "河南专技在线", 1001],
            [li.id_number, "李明", "公需科目：安全生产", 1.5, morning,
             "河南专技在线", "X-2"],
            [410502198501010011, "数字", "课", 2, f"{THIS_YEAR}-04-02", "河南专技在线", "X-3"],
        ]
    )  # fmt: skip
    parsed = parse_general_records(data, file_name="records.xlsx")
    assert [row.record_id for row in parsed.rows] == ["1001", "X-2"]
    assert parsed.rows[0].completed_on == datetime.date(THIS_YEAR, 3, 1)
    assert parsed.rows[1].hours == Decimal("1.5")
    assert parsed.problems[0][0] == 4 and "身份证号被存成了数字" in parsed.problems[0][1]
    report = general_records_import(rows=parsed.rows)
    assert (report.created, report.problems) == (2, [])
    assert year_compliance(li, THIS_YEAR).general_hours == Decimal("7.5")


def test_reimport_changes_nothing_and_unknown_id_is_reported_by_row(demo):
    li = demo.person("李明")
    data = csv_text(li.id_number).encode("utf-8-sig")
    first = general_records_import(rows=parse_general_records(data).rows)
    assert (first.created, first.unchanged) == (2, 0)
    assert first.problems == [(4, f"身份证号 {UNKNOWN_ID} 在平台中不存在。")]
    snapshot = (
        GeneralRecord.objects.count(),
        LedgerEntry.objects.count(),
        list(YearTotal.objects.values_list("general_hours", flat=True)),
    )
    again = general_records_import(rows=parse_general_records(data).rows)
    assert (again.created, again.unchanged) == (0, 2)
    assert again.problems == first.problems
    assert snapshot == (
        GeneralRecord.objects.count(),
        LedgerEntry.objects.count(),
        list(YearTotal.objects.values_list("general_hours", flat=True)),
    )
    assert year_compliance(li, THIS_YEAR).general_hours == Decimal("10.5")


# --- commands --------------------------------------------------------------------------------


def test_import_command_reports_and_exits_non_zero_on_problems(demo, tmp_path):
    path = tmp_path / "records.csv"
    path.write_bytes(csv_text(demo.person("李明").id_number).encode("utf-8-sig"))
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import_general_records", str(path), stdout=out)
    assert error.value.returncode == 1
    assert "新增 2 条" in out.getvalue()
    assert f"第 4 行：身份证号 {UNKNOWN_ID} 在平台中不存在。" in out.getvalue()


def test_import_command_succeeds_and_is_idempotent(demo, tmp_path):
    li = demo.person("李明")
    path = tmp_path / "records.xlsx"
    path.write_bytes(
        xlsx_bytes(
            [
                ["身份证号", "姓名", "课程名称", "学时", "完成日期", "记录号"],
                [li.id_number, "李明", "课一", 3, f"{THIS_YEAR}-02-01", "C-1"],
            ]
        )
    )
    out = io.StringIO()
    call_command("import_general_records", str(path), "--provider", "河南专技在线", stdout=out)
    assert "新增 1 条" in out.getvalue() and "全部导入成功" in out.getvalue()
    out = io.StringIO()
    call_command("import_general_records", str(path), "--provider", "河南专技在线", stdout=out)
    assert "新增 0 条，已存在（未变化）1 条" in out.getvalue()
    with pytest.raises(CommandError, match="学习平台"):
        call_command("import_general_records", str(path))
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("import_general_records", str(tmp_path / "none.csv"))


def test_ledger_rebuild_command_exit_codes(demo):
    li = demo.person("李明")
    general_records_import(rows=parse_general_records(csv_text(li.id_number).encode()).rows)
    out = io.StringIO()
    call_command("ledger_rebuild", stdout=out)
    assert "一致" in out.getvalue()
    YearTotal.objects.filter(person=li, credit_year=THIS_YEAR).update(general_hours=99)
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("ledger_rebuild", stdout=out)
    assert error.value.returncode == 1
    assert f"李明（{li.masked_id_number}） {THIS_YEAR} 年度：已存 99 / 0，按台账记录 10.5 / 0" in (
        out.getvalue()
    )
    out = io.StringIO()
    call_command("ledger_rebuild", "--fix", stdout=out)
    assert "已修正 1 处" in out.getvalue()
    call_command("ledger_rebuild", stdout=io.StringIO())  # consistent again: no error
