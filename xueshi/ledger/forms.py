"""Forms of the ledger pages: the administrators' query and the general-record upload."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from .parsers import LABELS

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
COMPLIANCE_CHOICES = (("", "全部"), ("met", "达标"), ("unmet", "未达标"))


class UnitQueryForm(forms.Form):
    """专业科目学时查询 / 全学时查询: year, name or ID number, compliance."""

    year = forms.TypedChoiceField(label="学时年度", coerce=int, required=False)
    q = forms.CharField(
        label="姓名 / 身份证号",
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "姓名或完整身份证号"}),
    )
    compliance = forms.ChoiceField(label="达标情况", choices=COMPLIANCE_CHOICES, required=False)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        year_field = cast(forms.TypedChoiceField, self.fields["year"])
        year_field.choices = [(year, f"{year} 年") for year in years]


class GeneralImportForm(forms.Form):
    file = forms.FileField(
        label="学习记录文件",
        help_text=f"CSV 或 Excel（.xlsx），第一行为表头：{'、'.join(LABELS.values())}。"
        "不超过 20 MB。",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    provider = forms.CharField(
        label="学习平台",
        required=False,
        max_length=100,
        help_text="文件中没有“学习平台”列或该列为空时使用。",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("文件超过 20 MB，请分成多个文件导入。")
        name = (upload.name or "").lower()
        if not name.endswith((".csv", ".xlsx")):
            raise forms.ValidationError("只支持 .csv 与 .xlsx 文件。")
        return upload
