"""The audit admin's view of the audit log (三员分立): filter form and the one query.

Read-only: nothing here writes; the export goes through the export registry (portal/exports.py),
which records the export itself in the audit log.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from xueshi.core.forms import StyledForm
from xueshi.core.models import AuditLog, AuditResult


class AuditFilterForm(StyledForm):
    user = forms.CharField(label="操作人", required=False, max_length=50)
    action = forms.CharField(label="操作", required=False, max_length=60)
    date_from = forms.DateField(
        label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    target = forms.CharField(
        label="对象",
        required=False,
        max_length=100,
        help_text="对象类型（如 declarations.declaration）、编号，或“类型#编号”",
    )
    result = forms.ChoiceField(
        label="结果", required=False, choices=[("", "全部"), *AuditResult.choices]
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", "截止日期不能早于起始日期。")
        return data


def _day_start(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_log_search(filters: Mapping[str, Any]) -> QuerySet[AuditLog]:
    """Rows matching the cleaned filters, newest first, with the actor loaded (one query a page)."""
    rows = AuditLog.objects.select_related("actor").order_by("-id")
    if user := (filters.get("user") or "").strip():
        rows = rows.filter(Q(actor__full_name__contains=user) | Q(actor__username__iexact=user))
    if action := (filters.get("action") or "").strip():
        rows = rows.filter(action__startswith=action)
    if filters.get("date_from"):
        rows = rows.filter(at__gte=_day_start(filters["date_from"]))
    if filters.get("date_to"):
        rows = rows.filter(at__lt=_day_start(filters["date_to"] + timedelta(days=1)))
    if target := (filters.get("target") or "").strip():
        kind, _, number = target.partition("#")
        if number:
            rows = rows.filter(target_type=kind.strip(), target_id=number.strip())
        else:
            rows = rows.filter(Q(target_type=target) | Q(target_id=target))
    if filters.get("result"):
        rows = rows.filter(result=filters["result"])
    return rows


def audit_log_filters(params: Mapping[str, Any]) -> tuple[AuditFilterForm, dict[str, Any]]:
    """The bound form and its valid filters (an invalid form filters nothing and shows errors)."""
    fields = {name: params[name] for name in AuditFilterForm.base_fields if name in params}
    form = AuditFilterForm(fields or None)
    return form, (form.cleaned_data if form.is_bound and form.is_valid() else {})
