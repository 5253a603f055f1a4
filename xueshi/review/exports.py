"""The review app's exports (found at start-up by core's AppConfig): 审核, 审核结果."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet

from xueshi.accounts.models import RoleAssignment
from xueshi.accounts.permissions import role_may
from xueshi.core.exports import Column, ExportSpec, form_data, register_export
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.policy.words import row_status_word

from . import selectors as review_selectors
from .flags import any_provider
from .forms import QueueFilterForm, ResultFilterForm

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
    Column("到达本级时间", "waiting_since", width=20),
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
    "waiting_since",
)


def review_queue_rows(role: RoleAssignment | None, params: Mapping[str, str]) -> QuerySet[Any]:
    """The queue of the role's level in the page's filters, oldest submission first."""
    if role is None or not role_may(role, "review.act"):
        return Declaration.objects.none().values()
    form = QueueFilterForm(
        form_data(QueueFilterForm, params) or None,
        categories=review_selectors.category_choices(role),
        flags=any_provider(),
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
    Column("审核状态", row_status_word, width=10),
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
    "status_level",
    "policy_profile",
    "profile_version",
    "verdict_level",
    "verdict_comment",
    "decided_at",
    "updated_at",
)


def review_result_rows(role: RoleAssignment | None, params: Mapping[str, str]) -> QuerySet[Any]:
    """审核结果 of the role's scope in the page's filters, newest decision first."""
    if role is None or not role_may(role, "review.act"):
        return Declaration.objects.none().values()
    form = ResultFilterForm(
        form_data(ResultFilterForm, params) or None,
        tabs=review_selectors.region_status_tabs(role, review_selectors.RESULT_STATUSES),
    )
    return review_selectors.review_results(role, form.filters()).values(*REVIEW_RESULT_FIELDS)


register_export(
    ExportSpec("review_results", "审核结果", "审核结果", REVIEW_RESULT_COLUMNS, review_result_rows)
)
