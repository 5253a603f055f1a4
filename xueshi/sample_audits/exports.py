"""The sample audit's report (found at start-up by core's AppConfig): the sample with its
findings, and the rate of findings per unit. Rows only for an audit of the role's authority."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from xueshi.accounts.models import RoleAssignment
from xueshi.core.exports import Column, ExportSpec, register_export

from .models import SampleAudit, SampledItem
from .selectors import UnitRate, audit_of, sampled_items, unit_rates


def _audit(role: RoleAssignment | None, params: Mapping[str, str]) -> SampleAudit | None:
    value = params.get("audit", "")
    if not value.isascii() or not value.isdigit() or len(value) > 12:
        return None
    try:
        return audit_of(role, int(value))
    except SampleAudit.DoesNotExist:
        return None


def item_rows(role: RoleAssignment | None, params: Mapping[str, str]) -> Iterable[SampledItem]:
    audit = _audit(role, params)
    if audit is None:
        return SampledItem.objects.none()
    return sampled_items(audit, params.get("show", "all"))


def _hours(value: Any) -> Any:
    return None if value is None else value.normalize()


ITEM_COLUMNS = [
    Column("序号", "position", width=8),
    Column("姓名", "declaration__person__name", width=12),
    Column("证件号码", "declaration__person__id_number", width=22, id_number=True),
    Column("单位", lambda item: item.unit.name if item.unit else "其他单位", width=30),
    Column("所在层", "stratum", width=20),
    Column("申报类型", "declaration__category_name", width=24),
    Column("认定内容", "declaration__title", width=36),
    Column("原批准学时", lambda item: _hours(item.hours_before), width=12),
    Column("抽查结论", lambda item: item.get_verdict_display() or "未核查", width=12),
    Column("核定学时", lambda item: _hours(item.hours_after), width=12),
    Column("原因", "reason", width=36),
    Column(
        "核查人",
        lambda item: (
            (item.decided_by.get_full_name() or item.decided_by.username) if item.decided_by else ""
        ),
        width=12,
    ),
    Column("核查时间", "decided_at", width=18),
]


def unit_rows(role: RoleAssignment | None, params: Mapping[str, str]) -> list[UnitRate]:
    audit = _audit(role, params)
    return unit_rates(audit) if audit is not None else []


UNIT_COLUMNS = [
    Column("单位", "unit_name", width=30),
    Column("抽取件数", "sampled", width=10),
    Column("已核查", "decided", width=10),
    Column("问题件数", "findings", width=10),
    Column("问题率（%）", lambda rate: rate.rate, width=12),
]

register_export(
    ExportSpec("sample_audit_items", "学时抽查样本与结论", "学时抽查样本", ITEM_COLUMNS, item_rows)
)
register_export(
    ExportSpec(
        "sample_audit_units",
        "学时抽查各单位问题率",
        "学时抽查各单位问题率",
        UNIT_COLUMNS,
        unit_rows,
    )
)
