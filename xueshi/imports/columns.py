"""The columns of each import, made from the unit's policy profile (claims) or fixed (staff).

One list of ``Column`` drives the template, the header check, the row reader and the error
messages, so the three can never disagree on a header.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xueshi.policy.schema import ProfileVersion

from .xlsx import ERROR_COLUMN, ImportRefused, normalize_header

# Keys of the columns that are not profile fields.
ID_NUMBER, NAME, CATEGORY, LEVEL = "id_number", "name", "category", "level"
PHONE, DEPARTMENT, IN_ESTABLISHMENT = "phone", "department", "in_establishment"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool  # the header must be present (cells may still be optional per category)
    kind: str = "text"  # text, date, integer, decimal, year, boolean, choice, id_number
    width: int = 16
    help: str = ""
    choices: tuple[str, ...] = ()


def claim_columns(version: ProfileVersion) -> list[Column]:
    leaves = version.leaf_categories()
    multi_level = any(len(leaf.category.levels) > 1 for leaf in leaves)
    columns = [
        Column(ID_NUMBER, "证件号码", True, "id_number", 22, "18 位居民身份证号，以文本格式填写"),
        Column(NAME, "姓名", True, "text", 10, "须与系统中该证件号码的姓名一致"),
        Column(
            CATEGORY,
            "认定类型",
            True,
            "choice",
            30,
            "从下拉列表选择（类型-二级类型）；公需科目无需导入",
        ),
        Column(
            LEVEL,
            "申报等级",
            multi_level,
            "choice",
            30,
            "从下拉列表选择；该认定类型只有一个等级时可不填",
        ),
    ]
    used: dict[str, bool] = {}
    for leaf in leaves:
        for name, _spec, required in version.fields_for(leaf.code):
            used[name] = used.get(name, False) or required
    for name, spec in version.fields.items():
        if name not in used:
            continue
        kind = {"textarea": "text", "rich_text": "text", "planned_training": "integer"}.get(
            spec.type, spec.type
        )
        width = {"date": 13, "year": 10, "integer": 10, "decimal": 10, "boolean": 8}.get(
            kind, 36 if spec.type == "textarea" or name == "title" else 18
        )
        help_text = spec.help_text
        if kind == "date":
            help_text = "日期，格式 yyyy-mm-dd，例如 2025-03-01"
        elif name == "hours_claimed":
            help_text = "不填则按规则自动计算；允许手动修改的类型可填写实际学时"
        elif name == "credit_year":
            help_text = "不填则取结束时间所在年度"
        elif kind == "boolean":
            help_text = "填 是 或 否"
        elif spec.type == "planned_training":
            help_text = "填写已备案年度培训计划中培训项目的编号（见“年度培训计划”页）"
        columns.append(
            Column(
                name,
                spec.label,
                used[name] and name != "hours_claimed",
                kind,
                width,
                help_text,
                tuple(spec.choices),
            )
        )
    return columns


def staff_columns(departments: Sequence[str]) -> list[Column]:
    return [
        Column(ID_NUMBER, "证件号码", True, "id_number", 22, "18 位居民身份证号，以文本格式填写"),
        Column(NAME, "姓名", True, "text", 10, ""),
        Column(PHONE, "联系电话", False, "text", 16, "11 位手机号或带区号的固定电话，可不填"),
        Column(
            DEPARTMENT,
            "部门",
            False,
            "choice",
            24,
            "须为本单位已建立的部门（从下拉列表选择）；可不填",
            tuple(departments),
        ),
        Column(IN_ESTABLISHMENT, "在编", False, "boolean", 8, "填 是 或 否；不填视为 否"),
    ]


def column_positions(headers: Sequence[str], columns: Sequence[Column]) -> dict[str, int]:
    """Column key → position in the row; refuses missing, unknown or repeated headers."""
    # The template's headers read as the sheet's are (one normaliser).
    by_header = {normalize_header(column.header): column for column in columns}
    positions: dict[str, int] = {}
    unknown: list[str] = []
    repeated: list[str] = []
    for index, header in enumerate(headers):
        if not header or header == ERROR_COLUMN:
            continue
        column = by_header.get(header)
        if column is None:
            unknown.append(header)
        elif column.key in positions:
            repeated.append(header)
        else:
            positions[column.key] = index
    missing = [c.header for c in columns if c.required and c.key not in positions]
    problems = []
    if missing:
        problems.append("缺少列" + "、".join(f"“{h}”" for h in missing))
    if unknown:
        problems.append("无法识别的列" + "、".join(f"“{h}”" for h in unknown))
    if repeated:
        problems.append("重复的列" + "、".join(f"“{h}”" for h in repeated))
    if problems:
        raise ImportRefused(
            "表头不正确：" + "；".join(problems) + "。请下载最新的导入模板，按模板的表头填写。"
        )
    return positions
