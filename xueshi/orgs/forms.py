"""Forms of the orgs app. Checks that need the database live in services; these check input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from xueshi.core.forms import StyledForm
from xueshi.core.identifiers import clean_credit_code, clean_phone

from .models import Organization, OrganizationKind
from .selectors import parent_choices, region_is_known

OTHER_UNIT = "other"


class ParentChoiceField(forms.ModelChoiceField):
    """Supervisors and authorities in tree order, indented by depth, with their kind."""

    def label_from_instance(self, obj: Any) -> str:
        indent = "　" * obj.depth
        return f"{indent}{obj.name}（{obj.get_kind_display()}）"


class UnitChoiceForm(StyledForm):
    """更换单位: a unit id chosen in the search, or "other" for 其他单位 (no employer)."""

    unit = forms.CharField(
        label="工作单位",
        widget=forms.HiddenInput,
        error_messages={"required": "请先搜索并选择单位，或选择“其他单位”。"},
    )

    def clean_unit(self) -> Organization | None:
        value = self.cleaned_data["unit"].strip()
        if value == OTHER_UNIT:
            return None
        unit = (
            Organization.objects.filter(kind=OrganizationKind.UNIT, pk=value).first()
            if value.isascii() and value.isdigit() and len(value) < 19
            else None
        )
        if unit is None:
            raise ValidationError("所选单位不存在，请重新搜索选择。")
        return unit

    @property
    def chosen_label(self) -> str:
        """The name to show for the current choice, also when the form comes back with errors."""
        if self.is_bound:
            value = (self.data.get("unit") or "").strip()
        else:
            value = str(self.initial.get("unit") or "")
        if value == OTHER_UNIT:
            return "其他单位"
        if value.isascii() and value.isdigit() and len(value) < 19:
            unit = Organization.objects.filter(pk=value).only("name").first()
            return unit.name if unit else ""
        return ""


class UnitRegisterForm(StyledForm):
    name = forms.CharField(
        label="单位名称",
        max_length=200,
        error_messages={"required": "请填写单位名称。"},
        help_text="请填写单位全称，与营业执照或登记证书一致。",
    )
    credit_code = forms.CharField(
        label="统一社会信用代码",
        max_length=30,
        required=False,
        help_text="18 位，选填；填写后须与营业执照一致。",
    )
    region_code = forms.CharField(
        label="所在地区",
        max_length=6,
        min_length=6,
        error_messages={
            "required": "请填写所在地区的行政区划代码。",
            "min_length": "行政区划代码应为 6 位数字。",
            "max_length": "行政区划代码应为 6 位数字。",
        },
        help_text="6 位行政区划代码，如 450103（南宁市青秀区）。",
    )
    parent = ParentChoiceField(
        label="上级主管部门或认定机构",
        # Lazy: a fresh copy of this queryset is evaluated each time a form is validated.
        queryset=parent_choices(),
        empty_label="请选择上级主管部门或认定机构",
        error_messages={
            "required": "请选择上级主管部门或认定机构。",
            "invalid_choice": "所选机构不可用，请重新选择。",
        },
    )
    contact_name = forms.CharField(
        label="联系人", max_length=50, error_messages={"required": "请填写联系人。"}
    )
    contact_phone = forms.CharField(
        label="联系电话", max_length=20, error_messages={"required": "请填写联系电话。"}
    )

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def clean_credit_code(self) -> str:
        value = self.cleaned_data["credit_code"].strip()
        return clean_credit_code(value) if value else ""

    def clean_region_code(self) -> str:
        value = self.cleaned_data["region_code"].strip()
        if not value.isdigit() or len(value) != 6:
            raise ValidationError("行政区划代码应为 6 位数字。")
        if not region_is_known(value):
            raise ValidationError("行政区划代码 %(code)s 不存在，请核对。", params={"code": value})
        return value

    def clean_contact_phone(self) -> str:
        return clean_phone(self.cleaned_data["contact_phone"])


class UnitRejectForm(StyledForm):
    reason = forms.CharField(
        label="不通过原因",
        max_length=200,
        error_messages={"required": "请填写不通过的原因。"},
        widget=forms.TextInput(attrs={"placeholder": "不通过原因（必填）"}),
    )

    def clean_reason(self) -> str:
        value = self.cleaned_data["reason"].strip()
        if not value:
            raise ValidationError("请填写不通过的原因。")
        return value


class CreditCodeOverrideForm(StyledForm):
    credit_code = forms.CharField(
        label="统一社会信用代码",
        max_length=30,
        error_messages={"required": "请填写统一社会信用代码。"},
        help_text="18 位；校验位不符但确属真实的代码，可在此经认定机构确认后录入。",
    )
    reason = forms.CharField(
        label="豁免校验原因",
        max_length=200,
        error_messages={"required": "请填写豁免校验的原因。"},
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_credit_code(self) -> str:
        return clean_credit_code(self.cleaned_data["credit_code"], allow_checksum_override=True)
