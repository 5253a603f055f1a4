"""Registered exports: the claim list, every table of the statistics page, and the lists of
the other apps (学时查询, 审核, 审核结果, 专业技术人员管理).

Each rows builder re-reads the page's own filters from the query string and starts from the
page's own scoped selector, so an export (in the foreground or in the worker) holds exactly
what the page lists for the active role — a department admin's export only their department.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from xueshi.accounts import selectors as account_selectors
from xueshi.accounts.models import Person, RoleAssignment
from xueshi.accounts.permissions import people_in_scope
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.ledger import selectors as ledger_selectors
from xueshi.ledger.forms import UnitQueryForm
from xueshi.ledger.views import QUERY_ROLES as LEDGER_QUERY_ROLES
from xueshi.review import selectors as review_selectors
from xueshi.review.forms import STATUS_LABELS as RESULT_STATUS_LABELS
from xueshi.review.forms import QueueFilterForm, ResultFilterForm
from xueshi.review.views import REVIEW_ROLES

from . import selectors
from .exports import Column, ExportSpec, register_export
from .forms import read_filters

STATUS_LABELS = dict(DeclarationStatus.choices)

DECLARATION_COLUMNS = [
    Column("姓名", "person__name", width=12),
    Column("证件号码", "person__id_number", width=22, id_number=True),
    Column("单位", "unit__name", width=30),
    Column("申报类型", "category_name", width=40),
    Column("认定内容", "title", width=40),
    Column("计入年度", "credit_year", width=10),
    Column("申请学时", "hours_claimed", width=10),
    Column("批准学时", "hours_granted", width=10),
    Column("状态", lambda row: STATUS_LABELS.get(row["status"], row["status"]), width=10),
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
            | Q(person__id_number__iexact=query)
        )
    return declarations.order_by("id").values(
        "person__name",
        "person__id_number",
        "unit__name",
        "category_name",
        "title",
        "credit_year",
        "hours_claimed",
        "hours_granted",
        "status",
        "submitted_at",
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


def compliance_rows(role: RoleAssignment | None, params: Mapping[str, str]) -> list[Any]:
    filters, _ = read_filters(role, params)
    year = filters.credit_year or selectors.default_compliance_year()
    return selectors.compliance_by_unit(role, filters, year)


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
        compliance_rows,
    )
)


def throughput_rows(role: RoleAssignment | None, params: Mapping[str, str]) -> list[Any]:
    filters, _ = read_filters(role, params)
    return selectors.reviewer_throughput(role, filters)


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
        throughput_rows,
    )
)


def pending_rows(role: RoleAssignment | None, params: Mapping[str, str]) -> list[Any]:
    filters, _ = read_filters(role, params)
    return selectors.pending_age(role, filters)


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
        pending_rows,
    )
)

STATISTICS_EXPORTS = [f"stats_{key}" for key in COUNT_TABLES] + [
    "stats_compliance",
    "stats_throughput",
    "stats_pending",
]


# --- the lists of the other apps ----------------------------------------------------------


def _form_data(form_class: type[forms.Form], params: Mapping[str, str]) -> dict[str, str]:
    """The form's own fields from the query string; empty (the page's unbound form) if none."""
    return {name: params[name] for name in form_class.base_fields if name in params}


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
    if role is None or role.kind not in LEDGER_QUERY_ROLES:
        return Person.objects.none().values()
    today = timezone.localdate()
    scope = people_in_scope(role)
    data = _form_data(UnitQueryForm, params)
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


# 审核 (review:queue): the claims waiting for the role's level.

REVIEW_QUEUE_COLUMNS = [
    Column("姓名", "person__name", width=12),
    Column("证件号码", "person__id_number", width=22, id_number=True),
    Column("单位", "unit__name", width=30),
    Column("部门", "person__department__name", width=20),
    Column(
        "登记机构",
        lambda row: row["registered_by_organization__name"] or "本人登记",
        width=30,
    ),
    Column("申报类型", "category_name", width=40),
    Column("认定内容", "title", width=40),
    Column("申请学时", "hours_claimed", width=10),
    Column("计入年度", "credit_year", width=10),
    Column("提交时间", "submitted_at", width=20),
    Column("审核环节", "current_level_name", width=16),
]

REVIEW_QUEUE_FIELDS = (
    "person__name",
    "person__id_number",
    "unit__name",
    "person__department__name",
    "registered_by_organization__name",
    "category_name",
    "title",
    "hours_claimed",
    "credit_year",
    "submitted_at",
    "current_level_name",
)


def review_queue_rows(role: RoleAssignment | None, params: Mapping[str, str]) -> QuerySet[Any]:
    """The queue of the role's level in the page's filters, oldest submission first."""
    if role is None or role.kind not in REVIEW_ROLES:
        return Declaration.objects.none().values()
    form = QueueFilterForm(
        _form_data(QueueFilterForm, params) or None,
        categories=review_selectors.category_choices(role),
    )
    return review_selectors.review_queue_page(role, form.filters()).values(*REVIEW_QUEUE_FIELDS)


register_export(
    ExportSpec("review_queue", "待审核申报", "待审核申报", REVIEW_QUEUE_COLUMNS, review_queue_rows)
)


# 专业科目学时审核结果 (review:results): decided claims with the last verdict.

REVIEW_RESULT_COLUMNS = [
    Column("姓名", "person__name", width=12),
    Column("证件号码", "person__id_number", width=22, id_number=True),
    Column("单位", "unit__name", width=30),
    Column("部门", "person__department__name", width=20),
    Column("申报类型", "category_name", width=40),
    Column("认定内容", "title", width=40),
    Column("申请学时", "hours_claimed", width=10),
    Column(
        "批准学时",
        lambda row: row["hours_granted"] if row["status"] == DeclarationStatus.APPROVED else None,
        width=10,
    ),
    Column("计入年度", "credit_year", width=10),
    Column(
        "审核状态", lambda row: RESULT_STATUS_LABELS.get(row["status"], row["status"]), width=10
    ),
    Column("审核环节", "verdict_level", width=16),
    Column("审核意见", "verdict_comment", width=40),
    Column("审核时间", lambda row: row["decided_at"] or row["updated_at"], width=20),
]

REVIEW_RESULT_FIELDS = (
    "person__name",
    "person__id_number",
    "unit__name",
    "person__department__name",
    "category_name",
    "title",
    "hours_claimed",
    "hours_granted",
    "credit_year",
    "status",
    "verdict_level",
    "verdict_comment",
    "decided_at",
    "updated_at",
)


def review_result_rows(role: RoleAssignment | None, params: Mapping[str, str]) -> QuerySet[Any]:
    """审核结果 of the role's scope in the page's filters, newest decision first."""
    if role is None or role.kind not in REVIEW_ROLES:
        return Declaration.objects.none().values()
    form = ResultFilterForm(_form_data(ResultFilterForm, params) or None)
    return review_selectors.review_results(role, form.filters()).values(*REVIEW_RESULT_FIELDS)


register_export(
    ExportSpec("review_results", "审核结果", "审核结果", REVIEW_RESULT_COLUMNS, review_result_rows)
)


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

LIST_EXPORTS = ["ledger_hours", "review_queue", "review_results", "staff"]
