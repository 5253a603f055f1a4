from __future__ import annotations

from typing import Any

from django import forms

from xueshi.core.forms import StyledForm

from .models import AUDIENCE_CHOICES, NoticeKind


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.doc,.docx,.xlsx"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class NoticeForm(StyledForm):
    kind = forms.ChoiceField(label="栏目", choices=NoticeKind.choices)
    title = forms.CharField(label="标题", max_length=200)
    body = forms.CharField(
        label="正文",
        widget=forms.Textarea(attrs={"rows": 12}),
        required=False,
        help_text="可直接输入文字（按行分段），或使用简单的 HTML（段落、加粗、列表、表格、链接）；"
        "脚本和样式会被自动去除。",
    )
    audience = forms.ChoiceField(label="对象", choices=AUDIENCE_CHOICES)
    attachments = MultipleFileField(
        label="附件", required=False, help_text="PDF、Word、Excel，每个不超过 20 MB，最多 10 个"
    )
