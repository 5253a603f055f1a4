"""The units app's exports (found at start-up by core's AppConfig): 专业技术人员管理."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet

from xueshi.accounts import selectors as account_selectors
from xueshi.accounts.models import RoleAssignment
from xueshi.core.exports import Column, ExportSpec, register_export

# 专业技术人员管理 (orgs:staff_list): the unit's (department's) people.

STAFF_COLUMNS = [
    Column("姓名", "name", width=12),
    Column("证件号码", "id_number", width=22, id_number=True),
    Column("单位", "unit__name", width=30),
    Column("部门", "department__name", width=20),
    Column("在编/非编", lambda row: "在编" if row["in_establishment"] else "非编", width=12),
    Column("认定专业", "specialty", width=30),
    Column("可登录", lambda row: "允许" if row["user__is_active"] else "不允许", width=10),
]

STAFF_FIELDS = (
    "name",
    "id_number",
    "unit__name",
    "department__name",
    "in_establishment",
    "specialty",
    "user__is_active",
)


def staff_rows(role: RoleAssignment | None, params: Mapping[str, str]) -> QuerySet[Any]:
    """The staff list of a unit or department admin, searched and filtered as on the page."""
    people = account_selectors.staff_in_scope(
        role,
        query=params.get("q", "").strip(),
        department=params.get("department", "").strip(),
    )
    return people.values(*STAFF_FIELDS)


register_export(
    ExportSpec("staff", "专业技术人员名单", "专业技术人员名单", STAFF_COLUMNS, staff_rows)
)
