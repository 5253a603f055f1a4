from __future__ import annotations

from django import forms

from xueshi.policy.uploads import detect_kind

MAX_VERIFY_MB = 10


class NumberForm(forms.Form):
    number = forms.CharField(
        label="证书编号",
        max_length=30,
        error_messages={"required": "请输入证书编号。"},
        widget=forms.TextInput(attrs={"placeholder": "如 GX2025000001", "autocomplete": "off"}),
    )

    def clean_number(self) -> str:
        return str(self.cleaned_data["number"]).strip().upper()


class FileForm(forms.Form):
    file = forms.FileField(
        label="证书文件（PDF）", error_messages={"required": "请选择要查验的证书 PDF 文件。"}
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_VERIFY_MB * 1024 * 1024:
            raise forms.ValidationError(f"文件超过 {MAX_VERIFY_MB}MB，不是本平台出具的证书。")
        kind, _ = detect_kind(upload)
        if kind != "pdf":
            raise forms.ValidationError("只能查验 PDF 文件：所选文件的内容不是 PDF。")
        return upload


class StatementForm(forms.Form):
    years = forms.TypedChoiceField(
        label="年度范围",
        choices=[(3, "近 3 年"), (5, "近 5 年")],
        coerce=int,
        initial=3,
        error_messages={
            "required": "请选择年度范围。",
            "invalid_choice": "请选择近 3 年或近 5 年。",
        },
    )


class VoidForm(forms.Form):
    reason = forms.CharField(
        label="作废原因",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写作废原因。"},
    )


class YearForm(forms.Form):
    credit_year = forms.IntegerField(
        label="认定年度",
        min_value=2000,
        max_value=2100,
        error_messages={"required": "请选择认定年度。", "invalid": "年度应为四位数字。"},
    )
