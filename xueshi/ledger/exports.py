"""The ledger app's exports (found at start-up by core's AppConfig): 学时查询."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from xueshi.accounts.models import Person, RoleAssignment
from xueshi.accounts.permissions import people_in_scope, role_may
from xueshi.core.exports import Column, ExportSpec, form_data, register_export

from . import selectors as ledger_selectors
from .forms import UnitQueryForm

# 专业科目学时查询 / 全学时查询 (ledger:unit_query): hours summed in the database.


def _compliance_label(row: Mapping[str, Any]) -> str:
    if row["met"]:
        return "达标"
    return "未配置要求" if row["required_total"] is None else "未达标"


LEDGER_COLUMNS = [
    Column("姓名", "name", width=12),
    Column("证件号码", "id_number", width=22, id_number=True),
    Column("单位", "unit__name", width=30),
    Column("部门", "department__name", width=20),
    Column("公需科目学时", "general_hours", width=14),
    Column("专业科目学时", "professional_hours", width=14),
    Column("总学时", "total_hours"),
    Column("是否达标", _compliance_label, width=12),
]

LEDGER_FIELDS = (
    "name",
    "id_number",
    "unit__name",
    "department__name",
    "general_hours",
    "professional_hours",
    "total_hours",
    "required_total",
    "met",
)


def ledger_rows(role: RoleAssignment | None, params: Mapping[str, str]) -> QuerySet[Any]:
    """The people of the query page (its scope, year, search and compliance), by unit."""
    if role is None or not role_may(role, "ledger.query"):
        return Person.objects.none().values()
    today = timezone.localdate()
    scope = people_in_scope(role)
    data = form_data(UnitQueryForm, params)
    form = UnitQueryForm(data or None, years=ledger_selectors.credit_years(scope, today=today))
    filters: Mapping[str, Any] = form.cleaned_data if form.is_bound and form.is_valid() else {}
    year = filters.get("year") or today.year
    people = ledger_selectors.people_year_hours(
        ledger_selectors.search_people(scope, filters.get("q", "")),
        year,
        compliance=filters.get("compliance", ""),
    )
    return people.order_by("unit__name", "department__name", "name", "pk").values(*LEDGER_FIELDS)


register_export(ExportSpec("ledger_hours", "学时查询", "学时查询", LEDGER_COLUMNS, ledger_rows))


# 学时查询 of the person themself (Guangxi seed 002: "年度 … 查询 重置 导出"): the chosen year's
# records (general-subject courses and approved claims), newest year when none is chosen.

MY_HOURS_COLUMNS = [
    Column("年度", "year", width=8),
    Column("公需/专业科目", "subject", width=14),
    Column("科目名称", "title", width=36),
    Column("科目类型", "kind", width=28),
    Column("学时", "hours", width=10),
    Column("日期", "on", width=12),
]


def my_hours_rows(role: RoleAssignment | None, params: Mapping[str, str]) -> list[dict[str, Any]]:
    if role is None or not role_may(role, "ledger.own"):
        return []
    person = people_in_scope(role).first()
    if person is None:
        return []
    raw = params.get("year", "")
    years = [row.credit_year for row in ledger_selectors.person_years(person)]
    year = (
        int(raw)
        if raw.isascii() and raw.isdigit() and int(raw) in years
        else (years[0] if years else None)
    )
    if year is None:
        return []
    return [
        {
            "year": year,
            "subject": record.subject_label,
            "title": record.title,
            "kind": record.kind,
            "hours": record.hours,
            "on": record.on,
        }
        for record in ledger_selectors.year_records(person, year)
    ]


register_export(ExportSpec("my_hours", "本人学时查询", "学时查询", MY_HOURS_COLUMNS, my_hours_rows))
