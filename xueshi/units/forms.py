"""Forms of unit administration. They check the input; the services check the rules."""

from __future__ import annotations

import datetime
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from xueshi.core.forms import StyledForm
from xueshi.core.identifiers import clean_credit_code, clean_id_number, clean_phone
from xueshi.orgs.models import Department
from xueshi.orgs.selectors import region_is_known

YES_NO_ESTABLISHMENT = [("1", "在编"), ("0", "非编")]
YES_NO_LOGIN = [("1", "允许登录系统"), ("0", "不允许登录系统")]


def _yes(value: Any) -> bool:
    return value in ("1", 1, True, "True", "true")


class InlineRadioSelect(forms.RadioSelect):
    """Radio buttons in a row; the wrapper does not take the inputs' form-check-input class."""

    template_name = "orgs/unit/widgets/radio.html"


def _radio(label: str, choices: list[tuple[str, str]], help_text: str = "") -> forms.Field:
    return forms.TypedChoiceField(
        label=label,
        choices=choices,
        coerce=_yes,
        widget=InlineRadioSelect,
        help_text=help_text,
        error_messages={"required": f"请选择{label}。"},
    )


def _optional_phone(value: str) -> str:
    value = (value or "").strip()
    return clean_phone(value) if value else ""


class DepartmentChoiceMixin:
    """A `department` field whose choices are set by the view (the role's departments)."""

    def set_departments(self, departments: QuerySet[Department], *, fixed: bool) -> None:
        fields = cast(dict[str, forms.Field], self.fields)  # type: ignore[attr-defined]
        field = cast(forms.ModelChoiceField, fields["department"])
        field.queryset = departments
        if fixed:
            # A department admin's people stay in their department: shown, not changed.
            field.empty_label = None
            field.required = True
            field.disabled = True


class UnitInfoForm(StyledForm):
    name = forms.CharField(
        label="单位名称",
        max_length=200,
        error_messages={"required": "请填写单位名称。"},
        help_text="修改单位名称须经上级主管部门审批。",
    )
    credit_code = forms.CharField(
        label="统一社会信用代码",
        max_length=30,
        required=False,
        help_text="18 位；修改须经上级主管部门审批。",
    )
    region_code = forms.CharField(
        label="单位属地（行政区划代码）",
        max_length=6,
        error_messages={"required": "请填写单位属地的行政区划代码。"},
        help_text="6 位行政区划代码，如 450102（南宁市兴宁区）。",
    )
    contact_name = forms.CharField(label="联系人", max_length=50, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=20, required=False)

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def clean_credit_code(self) -> str:
        value = self.cleaned_data["credit_code"].strip()
        return clean_credit_code(value) if value else ""

    def clean_region_code(self) -> str:
        value = self.cleaned_data["region_code"].strip()
        if not region_is_known(value):
            raise ValidationError("行政区划代码 %(code)s 无效，请核对。", params={"code": value})
        return value

    def clean_contact_phone(self) -> str:
        return _optional_phone(self.cleaned_data["contact_phone"])


class StaffAddForm(DepartmentChoiceMixin, StyledForm):
    """新增人员: the fields of the seed's 添加单位工作人员信息 dialog."""

    id_number = forms.CharField(
        label="身份证号",
        max_length=20,
        error_messages={"required": "请填写身份证号。"},
        help_text="登记成功后，初始密码为身份证号后六位，首次登录须修改。",
    )
    name = forms.CharField(label="姓名", max_length=50, error_messages={"required": "请填写姓名。"})
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    in_establishment = _radio("是否在编", YES_NO_ESTABLISHMENT)
    department = forms.ModelChoiceField(
        label="部门",
        queryset=Department.objects.none(),
        required=False,
        empty_label="（不选择部门）",
        error_messages={"invalid_choice": "请选择本单位的部门。"},
    )
    specialty = forms.CharField(
        label="认定专业",
        max_length=100,
        required=False,
        help_text="职称系列/专业/等级，如 教师系列/高校教师/讲师(中级)",
    )
    login_allowed = _radio(
        "登录系统", YES_NO_LOGIN, help_text="不允许登录系统的人员，由单位代为登记学时。"
    )
    # Set by the confirmation step when the ID number belongs to a person of no unit.
    adopt = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_id_number(self) -> str:
        return clean_id_number(self.cleaned_data["id_number"])

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def clean_phone(self) -> str:
        return _optional_phone(self.cleaned_data["phone"])


class StaffEditForm(DepartmentChoiceMixin, StyledForm):
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    department = forms.ModelChoiceField(
        label="部门",
        queryset=Department.objects.none(),
        required=False,
        empty_label="（不选择部门，由总管理员管理）",
        error_messages={"invalid_choice": "请选择本单位的部门。"},
    )
    in_establishment = _radio("是否在编", YES_NO_ESTABLISHMENT)
    specialty = forms.CharField(
        label="认定专业",
        max_length=100,
        required=False,
        help_text="职称系列/专业/等级，如 教师系列/高校教师/讲师(中级)",
    )
    login_allowed = _radio("登录系统", YES_NO_LOGIN)

    def clean_phone(self) -> str:
        return _optional_phone(self.cleaned_data["phone"])


class StaffLeaveForm(StyledForm):
    reason = forms.CharField(
        label="离职/调出说明",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "如：调往某单位、退休（选填）"}),
    )


class DepartmentForm(StyledForm):
    name = forms.CharField(
        label="部门名称", max_length=100, error_messages={"required": "请填写部门名称。"}
    )
    note = forms.CharField(label="部门备注", max_length=200, required=False)

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())


class UnitAdminAddForm(StyledForm):
    """新增管理员, as in the seed's dialog; no department means 总管理员."""

    id_number = forms.CharField(
        label="身份证号",
        max_length=20,
        error_messages={"required": "请填写身份证号。"},
        help_text="本单位人员的身份证号；尚未登记的人员将同时登记为本单位人员，"
        "初始密码为身份证号后六位。",
    )
    name = forms.CharField(label="姓名", max_length=50, error_messages={"required": "请填写姓名。"})
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    in_establishment = _radio("是否在编", YES_NO_ESTABLISHMENT)
    department = forms.ModelChoiceField(
        label="管理部门",
        queryset=Department.objects.none(),
        required=False,
        empty_label="请选择部门，不选择部门默认为总管理员",
        help_text="注：单位未设置部门则无需选择。",
        error_messages={"invalid_choice": "请选择本单位的部门。"},
    )
    login_allowed = _radio(
        "登录系统", YES_NO_LOGIN, help_text="温馨提示：管理员须“允许登录系统”才能登录。"
    )
    duties = forms.CharField(
        label="分管工作", max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["department"]).queryset = departments

    def clean_id_number(self) -> str:
        return clean_id_number(self.cleaned_data["id_number"])

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def clean_phone(self) -> str:
        return _optional_phone(self.cleaned_data["phone"])


class UnitAdminEditForm(StyledForm):
    department = forms.ModelChoiceField(
        label="管理部门",
        queryset=Department.objects.none(),
        required=False,
        empty_label="请选择部门，不选择部门默认为总管理员",
        error_messages={"invalid_choice": "请选择本单位的部门。"},
    )
    duties = forms.CharField(
        label="分管工作", max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["department"]).queryset = departments


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class DeclaringWindowForm(StyledForm):
    credit_year = forms.TypedChoiceField(
        label="计入年度", coerce=int, error_messages={"required": "请选择计入年度。"}
    )
    opens_on = forms.DateField(
        label="开始日期",
        widget=DateInput(),
        error_messages={"required": "请选择开始日期。", "invalid": "日期格式应为 2026-03-01。"},
    )
    closes_on = forms.DateField(
        label="结束日期",
        widget=DateInput(),
        error_messages={"required": "请选择结束日期。", "invalid": "日期格式应为 2026-06-30。"},
        help_text="含当天。",
    )
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args: Any, credit_years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedChoiceField, self.fields["credit_year"])
        field.choices = [(year, f"{year} 年度") for year in credit_years]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens_on: datetime.date | None = data.get("opens_on")
        closes_on: datetime.date | None = data.get("closes_on")
        if opens_on and closes_on and closes_on < opens_on:
            self.add_error("closes_on", "结束日期不能早于开始日期。")
        return data
