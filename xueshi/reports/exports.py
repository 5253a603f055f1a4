"""The reports app's exports: the claim list and every table of the statistics page.

Found at start-up by core's AppConfig (each app declares its own lists' exports in its
``exports.py``; the machinery is ``xueshi.core.exports``).

Each rows builder re-reads the page's own filters from the query string and starts from the
page's own scoped selector, so an export (in the foreground or in the worker) holds exactly
what the page lists for the active role — a department admin's export only their department.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from django.db.models import ExpressionWrapper, F, Q, QuerySet, TextField

from xueshi.accounts.models import RoleAssignment, id_number_q
from xueshi.core.exports import Column, ExportSpec, register_export
from xueshi.declarations.models import Declaration
from xueshi.policy.words import row_status_word

from . import selectors
from .forms import read_filters

DECLARATION_COLUMNS = [
    Column("姓名", "person__name", width=12),
    Column("证件号码", "id_number_stored", width=22, id_number=True, encrypted=True),
    Column("单位", "unit__name", width=30),
    Column("申报类型", "category_name", width=40),
    Column("认定内容", "title", width=40),
    Column("计入年度", "credit_year", width=10),
    Column("申请学时", "hours_claimed", width=10),
    Column("批准学时", "hours_granted", width=10),
    Column("状态", row_status_word, width=10),
    Column("提交时间", "submitted_at", width=20),
]


def declaration_rows(role: RoleAssignment | None, params: Mapping[str, str]) -> QuerySet[Any]:
    """The claims the statistics count (drafts excluded), one dict per claim, by id.

    `q` is the search of 单位申报记录 (declarations:list for administrators): the title
    contains it, the person's name contains it, or it is the person's full ID number.
    """
    filters, _ = read_filters(role, params)
    declarations: QuerySet[Declaration] = selectors.filtered_declarations(role, filters)
    query = " ".join(params.get("q", "").split())[:50]
    if query:
        declarations = declarations.filter(
            Q(title__icontains=query)
            | Q(person__name__contains=query)
            | id_number_q(query, "person__")
        )
    return declarations.order_by("id").values(
        "person__name",
        "unit__name",
        "category_name",
        "title",
        "credit_year",
        "hours_claimed",
        "hours_granted",
        "status",
        "status_level",
        "policy_profile",
        "profile_version",
        "submitted_at",
        # As stored: the export decrypts each person's number once, not once per claim.
        id_number_stored=ExpressionWrapper(F("person__id_number"), output_field=TextField()),
    )


register_export(
    ExportSpec(
        "declarations", "学时申报明细", "学时申报明细", DECLARATION_COLUMNS, declaration_rows
    )
)


def _count_columns(dimension: str) -> list[Column]:
    return [
        Column(dimension, "label", width=40),
        Column("申报数", "count"),
        Column("通过认定数", "approved", width=12),
        Column("申请学时", "hours_claimed"),
        Column("批准学时", "hours_granted"),
    ]


def _table_rows(
    build: Callable[[RoleAssignment | None, selectors.Filters], selectors.StatTable],
) -> Callable[[RoleAssignment | None, Mapping[str, str]], Iterable[Any]]:
    def rows(role: RoleAssignment | None, params: Mapping[str, str]) -> list[Any]:
        filters, _ = read_filters(role, params)
        table = build(role, filters)
        return [*table.rows, table.total]

    return rows


def _organization_table(
    role: RoleAssignment | None, filters: selectors.Filters
) -> selectors.StatTable:
    return selectors.by_organization(
        role, filters, filters.organization or selectors.default_node(role)
    )


COUNT_TABLES: dict[str, tuple[str, str, Callable[..., selectors.StatTable]]] = {
    "organization": ("按机构统计", "机构", _organization_table),
    "category": ("按申报类型统计", "申报类型", selectors.by_category),
    "status": ("按状态统计", "状态", selectors.by_status),
    "year": ("按计入年度统计", "计入年度", selectors.by_year),
    "region": ("按地区统计", "地区", selectors.by_region),
    "track": ("按职称系列统计", "职称系列", selectors.by_track),
    "month": ("按提交月份统计", "提交月份", selectors.by_month),
}

for _key, (_title, _dimension, _build) in COUNT_TABLES.items():
    register_export(
        ExportSpec(f"stats_{_key}", _title, _title, _count_columns(_dimension), _table_rows(_build))
    )


def _section_rows(key: str) -> Callable[[RoleAssignment | None, Mapping[str, str]], Sequence[Any]]:
    """The export of one of the page's sections: every row, in the page's conditions."""

    def rows(role: RoleAssignment | None, params: Mapping[str, str]) -> Sequence[Any]:
        filters, _ = read_filters(role, params)
        return selectors.SECTIONS[key](role, filters)

    return rows


register_export(
    ExportSpec(
        "stats_compliance",
        "单位达标率",
        "单位达标率",
        [
            Column("单位", "unit_name", width=30),
            Column("人数", "people"),
            Column("达标人数", "met"),
            Column("达标率(%)", lambda row: round(row.rate, 1), width=12),
            Column("年度要求学时", "required_total", width=14),
        ],
        _section_rows("compliance"),
    )
)


register_export(
    ExportSpec(
        "stats_throughput",
        "审核工作量",
        "审核工作量",
        [
            Column("审核机构", "organization_name", width=30),
            Column("审核层级", "level_name", width=16),
            Column("审核通过", "approved"),
            Column("退回", "returned"),
            Column("不予认定", "rejected"),
            Column("合计", "total"),
        ],
        _section_rows("throughput"),
    )
)


register_export(
    ExportSpec(
        "stats_pending",
        "待审核积压",
        "待审核积压",
        [
            Column("审核层级", "level_name", width=16),
            Column("审核机构", "organization_name", width=30),
            Column("待审核数", "count"),
            Column("平均等待天数", "average_days", width=14),
            Column("最长等待天数", "max_days", width=14),
        ],
        _section_rows("pending"),
    )
)

STATISTICS_EXPORTS = [f"stats_{key}" for key in COUNT_TABLES] + [
    "stats_compliance",
    "stats_throughput",
    "stats_pending",
]
