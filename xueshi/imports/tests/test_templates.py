"""The import templates: made from the profile, drop-downs, formats, instructions."""

from __future__ import annotations

import io

import openpyxl

from xueshi.imports.models import ImportKind
from xueshi.imports.services import template_for


def test_claims_template_is_made_from_the_profile(demo):
    name, content = template_for(ImportKind.CLAIMS, demo.role("gx_gxu"))
    assert name.endswith(".xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["学员培训信息", "说明", "选项"]
    data, instructions, lists = (workbook[n] for n in workbook.sheetnames)
    headers = [cell.value for cell in data[1]]
    assert headers[:4] == ["证件号码", "姓名", "认定类型", "申报等级"]
    for header in (
        "认定内容",
        "开始时间",
        "结束时间",
        "申请学时",
        "计入年度",
        "认定内容说明",
        "证书编号",
    ):
        assert header in headers
    assert data.freeze_panes == "A2"
    assert lists.sheet_state == "hidden"
    categories = [row[0] for row in lists.iter_rows(values_only=True) if row[0]]
    assert "培训进修类-培训班" in categories and "成果著作类-专利" in categories
    assert not any("公需" in c for c in categories)
    validations = {str(v.sqref).split(":")[0]: v for v in data.data_validations.dataValidation}
    assert validations["C2"].formula1.startswith("='选项'!$A$1")
    assert validations["D2"].type == "list"
    start = headers.index("开始时间") + 1
    assert data.column_dimensions[openpyxl.utils.get_column_letter(start)].number_format == (
        "yyyy-mm-dd"
    )
    assert data.column_dimensions["A"].number_format == "@"
    text = "\n".join(str(c) for row in instructions.iter_rows(values_only=True) for c in row if c)
    assert "公需科目学时无需登记，也不能导入" in text and "培训进修类-进修班" in text


def test_staff_template_lists_the_units_departments(demo):
    _name, content = template_for(ImportKind.STAFF, demo.role("gx_gxu"))
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    data = workbook["人员信息"]
    assert [c.value for c in data[1]] == ["证件号码", "姓名", "联系电话", "部门", "在编"]
    values = {c for row in workbook["选项"].iter_rows(values_only=True) for c in row if c}
    assert {"计算机与电子信息学院", "财务处", "是", "否"} <= values
