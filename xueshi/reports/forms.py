"""The statistics filters, read from the query string (the page and every export share them)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from xueshi.accounts.models import RoleAssignment
from xueshi.declarations.models import DeclarationStatus

from .selectors import Filters, node_in_scope

STATUS_CHOICES = [("", "全部状态")] + [
    (value, label)
    for value, label in DeclarationStatus.choices
    if value not in (DeclarationStatus.DRAFT, DeclarationStatus.DELETED)
]


# Submission dates the platform can hold; beyond them a day's bounds in UTC overflow Python's
# calendar (9999-12-31 + 1 day, 0001-01-01 in Asia/Shanghai).
FIRST_DAY, LAST_DAY = datetime.date(1990, 1, 1), datetime.date(2100, 12, 31)
DAY_RANGE_MESSAGE = f"日期应在 {FIRST_DAY.isoformat()} 至 {LAST_DAY.isoformat()} 之间。"
DAY_RANGE = [
    MinValueValidator(FIRST_DAY, message=DAY_RANGE_MESSAGE),
    MaxValueValidator(LAST_DAY, message=DAY_RANGE_MESSAGE),
]


class StatisticsFilterForm(forms.Form):
    """Plain fields: the selects are drawn from the role's own data by the template."""

    year = forms.IntegerField(label="计入年度", required=False, min_value=1990, max_value=2100)
    status = forms.ChoiceField(label="状态", required=False, choices=STATUS_CHOICES)
    category = forms.CharField(label="申报类型", required=False, max_length=60)
    org = forms.IntegerField(label="机构", required=False, min_value=1)
    region = forms.RegexField(label="地区", required=False, regex=r"^\d{6}$")
    track = forms.CharField(label="职称系列", required=False, max_length=100)
    submitted_from = forms.DateField(label="提交日期自", required=False, validators=DAY_RANGE)
    submitted_to = forms.DateField(label="提交日期至", required=False, validators=DAY_RANGE)

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        start, end = cleaned.get("submitted_from"), cleaned.get("submitted_to")
        if start and end and end < start:
            self.add_error("submitted_to", "结束日期不能早于开始日期。")
        return cleaned


def read_filters(
    role: RoleAssignment | None, params: Mapping[str, str]
) -> tuple[Filters, StatisticsFilterForm]:
    """Valid conditions become Filters; an invalid one is ignored (and shown on the form)."""
    form = StatisticsFilterForm(
        {key: params.get(key, "") for key in StatisticsFilterForm.base_fields}
    )
    form.is_valid()
    data = {key: value for key, value in form.cleaned_data.items() if key not in form.errors}
    filters = Filters(
        credit_year=data.get("year"),
        status=data.get("status") or "",
        category_code=data.get("category") or "",
        organization=node_in_scope(role, data.get("org")),
        region_code=data.get("region") or "",
        track=data.get("track") or "",
        submitted_from=data.get("submitted_from"),
        submitted_to=data.get("submitted_to"),
    )
    return filters, form
