"""The xlsx files the imports hand out: the templates (导入模板) and the bad rows to fix."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from xueshi.core.exports import formula_safe
from xueshi.policy.hours import describe_rule
from xueshi.policy.schema import ProfileVersion

from .columns import CATEGORY, LEVEL, Column, claim_columns
from .xlsx import ERROR_COLUMN, workbook_bytes

TEMPLATE_ROWS = 10000  # rows of the data sheet covered by drop-downs and formats
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
BOLD = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")
LISTS_SHEET = "选项"
INSTRUCTIONS_SHEET = "说明"
DATE_FORMAT = "yyyy-mm-dd"


def _data_sheet(workbook: Workbook, title: str, columns: Sequence[Column]) -> Worksheet:
    sheet = workbook.active
    if not isinstance(sheet, Worksheet):  # a new workbook always has one
        raise TypeError("workbook has no active worksheet")
    sheet.title = title
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = BOLD
        cell.fill = REQUIRED_FILL if column.required else HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        letter = get_column_letter(index)
        dimension = sheet.column_dimensions[letter]
        dimension.width = column.width
        if column.kind == "date":
            dimension.number_format = DATE_FORMAT
        elif column.kind in ("id_number", "text", "choice"):
            dimension.number_format = "@"  # text: an ID number must not become 4.5E+17
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 22
    return sheet


def _list_validation(
    sheet: Worksheet, lists: Worksheet, column_index: int, list_index: int, values: Sequence[str]
) -> None:
    """A drop-down on the data column, referring to a column of the hidden lists sheet."""
    list_letter = get_column_letter(list_index)
    for row, value in enumerate(values, start=1):
        lists.cell(row=row, column=list_index, value=value)
    end = max(len(values), 1)
    reference = f"{quote_sheetname(LISTS_SHEET)}!${list_letter}$1:${list_letter}${end}"
    validation = DataValidation(
        type="list",
        formula1=f"={reference}",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="输入有误",
        error="请从下拉列表中选择。",
    )
    letter = get_column_letter(column_index)
    validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
    sheet.add_data_validation(validation)


def _date_validation(sheet: Worksheet, column_index: int) -> None:
    validation = DataValidation(
        type="date",
        operator="between",
        formula1="DATE(1950,1,1)",
        formula2="DATE(2100,12,31)",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="日期有误",
        error="请输入日期，格式 yyyy-mm-dd，例如 2025-03-01。",
    )
    letter = get_column_letter(column_index)
    validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
    sheet.add_data_validation(validation)


def _column_choices(
    columns: Sequence[Column], explicit: dict[str, Sequence[str]]
) -> list[tuple[int, Sequence[str]]]:
    found: list[tuple[int, Sequence[str]]] = []
    for index, column in enumerate(columns, start=1):
        if column.key in explicit:
            found.append((index, explicit[column.key]))
        elif column.kind == "boolean":
            found.append((index, ("是", "否")))
        elif column.choices:
            found.append((index, column.choices))
    return found


def _instructions(
    workbook: Workbook, title: str, steps: Sequence[str], columns: Sequence[Column]
) -> Worksheet:
    sheet = workbook.create_sheet(INSTRUCTIONS_SHEET)
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 10
    sheet.column_dimensions["C"].width = 80
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    for step in steps:
        sheet.append([step])
    sheet.append([])
    sheet.append(["列名", "是否必填", "说明"])
    for cell in sheet[sheet.max_row]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
    for column in columns:
        sheet.append([column.header, "必填" if column.required else "选填", column.help])
    return sheet


def claims_template(version: ProfileVersion, unit_name: str) -> bytes:
    columns = claim_columns(version)
    workbook = Workbook()
    sheet = _data_sheet(workbook, "学员培训信息", columns)
    leaves = version.leaf_categories()
    level_names = list(
        dict.fromkeys(level.name for leaf in leaves for level in leaf.category.levels)
    )
    instructions = _instructions(
        workbook,
        f"导入学员培训信息模板（{unit_name}）",
        (
            "1. 在“学员培训信息”工作表中，从第 2 行起每行填写一条专业科目学时登记，"
            "不要修改第 1 行表头。",
            "2. 导入后每一行生成一条“待提交”的学时登记（由本单位登记），"
            "请在“单位申报记录”中核对后提交审核。",
            "3. 公需科目学时无需登记，也不能导入，系统将根据学习完成情况自动计算。",
            "4. 证件号码须为本单位（二级管理员：本部门）已登记的专业技术人员；"
            "请以文本格式填写 18 位身份证号。",
            "5. 日期格式为 yyyy-mm-dd（例如 2025-03-01）；认定类型、申报等级请从下拉列表选择。",
            "6. 导入后逐行显示结果；有错误的行可下载为 Excel，改正后再次导入。"
            "重复导入同一文件或同一行，不会重复创建。",
            "7. 表头橙色的列为必填列；所选认定类型需要的其他内容也须填写。",
        ),
        columns,
    )
    instructions.append([])
    instructions.append(["允许导入的认定类型", "申报等级", "学时计算规则"])
    for cell in instructions[instructions.max_row]:
        cell.font = BOLD
        cell.fill = HEADER_FILL
    for leaf in leaves:
        for level in leaf.category.levels:
            rule = version.rule_for(leaf.code, level.code)
            instructions.append([leaf.full_name, level.name, describe_rule(rule)])
    for row in instructions.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = WRAP
    lists = workbook.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    explicit: dict[str, Sequence[str]] = {
        CATEGORY: [leaf.full_name for leaf in leaves],
        LEVEL: level_names,
    }
    for list_index, (column_index, values) in enumerate(
        _column_choices(columns, explicit), start=1
    ):
        _list_validation(sheet, lists, column_index, list_index, values)
    for index, column in enumerate(columns, start=1):
        if column.kind == "date":
            _date_validation(sheet, index)
    workbook.active = 0
    return workbook_bytes(workbook)


def staff_template(columns: Sequence[Column], unit_name: str) -> bytes:
    workbook = Workbook()
    sheet = _data_sheet(workbook, "人员信息", columns)
    instructions = _instructions(
        workbook,
        f"导入人员信息模板（{unit_name}）",
        (
            "1. 在“人员信息”工作表中，从第 2 行起每行填写一名专业技术人员，不要修改第 1 行表头。",
            "2. 导入后为每人开通登录账号：账号为证件号码，初始密码为证件号码后六位，"
            "首次登录须修改。",
            "3. 已在本单位的人员不会重复创建；已登记在其他单位的人员不能导入，"
            "请其本人变更工作单位。",
            "4. 部门须为本单位已建立的部门（单位管理 → 单位部门管理）。",
        ),
        columns,
    )
    for row in instructions.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = WRAP
    lists = workbook.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    for list_index, (column_index, values) in enumerate(_column_choices(columns, {}), start=1):
        if values:
            _list_validation(sheet, lists, column_index, list_index, values)
    workbook.active = 0
    return workbook_bytes(workbook)


class BadRowsWriter:
    """The refused rows with the template's headers and the reasons, appended as the import
    finds them (openpyxl write-only: rows go to a temporary file, not memory)."""

    def __init__(self, headers: Sequence[str], *, sheet_title: str):
        self.width = len(headers)
        self.rows = 0
        self.workbook = Workbook(write_only=True)
        self.sheet = self.workbook.create_sheet(sheet_title)
        for index in range(1, self.width + 1):
            self.sheet.column_dimensions[get_column_letter(index)].width = 16
        self.sheet.column_dimensions[get_column_letter(self.width + 1)].width = 60
        self.sheet.freeze_panes = "A2"
        title_cells = []
        for header in [*headers, ERROR_COLUMN]:
            cell = WriteOnlyCell(self.sheet, value=header)
            cell.font = BOLD
            cell.fill = ERROR_FILL if header == ERROR_COLUMN else HEADER_FILL
            title_cells.append(cell)
        self.sheet.append(title_cells)

    def append(self, cells: Sequence[Any], reason: str) -> None:
        width = self.width
        out: list[Any] = []
        for value in list(cells)[:width] + [None] * (width - len(cells)):
            if isinstance(value, datetime.date):
                cell = WriteOnlyCell(self.sheet, value=value)
                cell.number_format = DATE_FORMAT
                out.append(cell)
            else:
                out.append(None if value == "" else formula_safe(value))
        out.append(reason)
        self.sheet.append(out)
        self.rows += 1

    def content(self) -> bytes:
        return workbook_bytes(self.workbook)


def bad_rows_workbook(
    headers: Sequence[str],
    rows: Iterable[tuple[int, Sequence[Any], str]],
    *,
    sheet_title: str,
) -> bytes:
    """The refused rows with the template's headers, the original row number and the reasons."""
    writer = BadRowsWriter(headers, sheet_title=sheet_title)
    for _row_number, cells, reason in rows:
        writer.append(cells, reason)
    return writer.content()
