"""The oversight app's exports (found at start-up by core's AppConfig): 学时未达标人员."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xueshi.accounts.models import Person, RoleAssignment
from xueshi.accounts.permissions import role_may
from xueshi.core.exports import Column, ExportSpec, register_export

from . import selectors
from .views import chosen_year

SHORT_PEOPLE_FIELDS = (
    "name",
    "id_number",
    "department__name",
    "general_hours",
    "professional_hours",
    "total_hours",
    "required_total",
    "required_general",
    "required_professional",
    "reminded",
)

SHORT_PEOPLE_COLUMNS = [
    Column("姓名", "name", width=12),
    Column("证件号码", "id_number", width=22, id_number=True),
    Column("部门", "department__name", width=20),
    Column("公需科目学时", "general_hours", width=14),
    Column("专业科目学时", "professional_hours", width=14),
    Column("总学时", "total_hours", width=10),
    Column("年度要求", "required_total", width=10),
    Column("还差学时", lambda row: selectors.missing_of(row).total, width=10),
    Column("公需科目还差", lambda row: selectors.missing_of(row).general, width=14),
    Column("专业科目还差", lambda row: selectors.missing_of(row).professional, width=14),
    Column("已提醒", lambda row: "是" if row["reminded"] else "否", width=8),
]


def short_people_rows(role: RoleAssignment | None, params: Mapping[str, str]) -> Any:
    """学时未达标人员 of the role's unit (department) for the page's year."""
    if role is None or not role_may(role, "oversight.short_people"):
        return Person.objects.none().values()
    year, _ = chosen_year(role, params)
    return selectors.short_people(role, year).values(*SHORT_PEOPLE_FIELDS)


register_export(
    ExportSpec(
        "oversight_short_people",
        "学时未达标人员",
        "学时未达标人员",
        SHORT_PEOPLE_COLUMNS,
        short_people_rows,
    )
)
