from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from xueshi.core.forms import StyledForm

from .models import AuditVerdict, SizeKind, Stratify


def _years() -> list[tuple[int, str]]:
    this_year = timezone.localdate().year
    return [(year, f"{year} 年度") for year in range(this_year, this_year - 6, -1)]


class StartForm(StyledForm):
    credit_year = forms.TypedChoiceField(label="计入年度", coerce=int, choices=_years)
    size_kind = forms.ChoiceField(
        label="抽查方式",
        choices=SizeKind.choices,
        initial=SizeKind.PERCENT,
        widget=forms.RadioSelect,
    )
    size_value = forms.DecimalField(
        label="比例（%）或件数",
        min_value=Decimal("0.01"),
        max_digits=8,
        decimal_places=2,
        initial=Decimal(5),
        error_messages={"required": "请填写抽查比例或件数。"},
        help_text="按比例时填百分数（如 5 表示抽取 5%，向上取整，至少 1 件）；按件数时填整数。",
    )
    stratify = forms.ChoiceField(
        label="分层",
        choices=Stratify.choices,
        initial=Stratify.NONE,
        help_text=(
            "分层时每个非空层先抽 1 件，其余按各层剩余件数比例分配（最大余数法）；"
            "抽取件数少于层数时，由随机种子选定其中若干层各抽 1 件。"
        ),
    )
    seed = forms.IntegerField(
        label="随机种子（选填）",
        required=False,
        min_value=0,
        max_value=2**63 - 1,
        help_text="留空则随机生成并记录；填写以前的种子可在相同数据上重现同一样本。",
    )
    note = forms.CharField(label="说明（选填）", required=False, max_length=200)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        value = data.get("size_value")
        if value is None:
            return data
        if data.get("size_kind") == SizeKind.PERCENT and value > 100:
            self.add_error("size_value", "抽查比例不能超过 100%。")
        if data.get("size_kind") == SizeKind.COUNT and value != value.to_integral():
            self.add_error("size_value", "按件数抽查时请填写整数。")
        return data

    def add_service_error(self, error: ValidationError) -> None:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, error)


class VerdictForm(StyledForm):
    verdict = forms.ChoiceField(
        label="抽查结论",
        choices=AuditVerdict.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择抽查结论。"},
    )
    hours_after = forms.DecimalField(
        label="核定学时",
        required=False,
        min_value=Decimal(0),
        max_digits=7,
        decimal_places=2,
        help_text="核减学时时填写，须少于原批准学时。",
    )
    reason = forms.CharField(
        label="原因",
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "核减或撤销时必填"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        verdict = data.get("verdict")
        if verdict in (AuditVerdict.CORRECTED, AuditVerdict.REVOKED) and not data.get("reason"):
            self.add_error("reason", "核减学时或撤销认定必须填写原因。")
        if verdict == AuditVerdict.CORRECTED and data.get("hours_after") is None:
            self.add_error("hours_after", "请填写核定后的学时。")
        return data

    def add_service_error(self, error: ValidationError) -> None:
        names = {"hours_granted": "hours_after"}
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                field = names.get(field, field)
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, error)
