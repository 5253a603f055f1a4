"""The portal's exports (found at start-up by core's AppConfig): 审计日志."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from xueshi.accounts.permissions import role_may
from xueshi.core.exports import Column, ExportSpec, register_export
from xueshi.core.identifiers import mask_id_number
from xueshi.core.models import AuditLog

from .audit_log import audit_log_filters, audit_log_search


def _actor(row: AuditLog) -> str:
    if row.actor is None:
        return "—" if row.actor_id is None else f"#{row.actor_id}"
    # Usernames are ID numbers or credit codes: masked like every other list.
    return f"{row.actor.full_name} ({mask_id_number(row.actor.username)})"


AUDIT_COLUMNS = [
    Column("编号", "pk", width=10),
    Column("时间", lambda row: timezone.localtime(row.at).strftime("%Y-%m-%d %H:%M:%S"), width=20),
    Column("操作人", _actor, width=30),
    Column("角色", "role", width=18),
    Column("IP 地址", lambda row: row.ip_address or "", width=18),
    Column("操作", "action", width=26),
    Column(
        "对象",
        lambda row: f"{row.target_type}#{row.target_id}" if row.target_type else "",
        width=30,
    ),
    Column("原状态", "from_state", width=12),
    Column("新状态", "to_state", width=12),
    Column("结果", lambda row: row.get_result_display(), width=8),
    Column("原因", "reason", width=30),
    Column(
        "详情",
        lambda row: json.dumps(row.details, ensure_ascii=False) if row.details else "",
        width=40,
    ),
    Column("摘要 (SM3)", "digest", width=66),
]


def audit_rows(role: Any, params: Mapping[str, str]) -> QuerySet[AuditLog]:
    # Checked again here: the rows are rebuilt from the role in a background job too.
    if not role_may(role, "audit.read"):
        return AuditLog.objects.none()
    _, filters = audit_log_filters(params)
    return audit_log_search(filters)


register_export(ExportSpec("audit_log", "审计日志", "审计日志", AUDIT_COLUMNS, audit_rows))
