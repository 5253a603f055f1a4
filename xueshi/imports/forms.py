from __future__ import annotations

from django import forms


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="选择文件",
        help_text="请上传按导入模板填写的 Excel 工作簿（.xlsx）。",
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
