from __future__ import annotations

from typing import Any

from django import forms

from .models import WebhookEvent


class KeyForm(forms.Form):
    name = forms.CharField(
        label="用途", max_length=100, help_text="例如：学习平台推送公需科目、省级系统读取结果"
    )
    scopes = forms.MultipleChoiceField(
        label="权限范围",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一项权限范围。"},
    )

    def __init__(self, *args: Any, scopes: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["scopes"]
        field.choices = [(code, f"{label}（{code}）") for code, label in scopes]


class WebhookForm(forms.Form):
    url = forms.URLField(label="接收地址", max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label="推送的事件",
        widget=forms.CheckboxSelectMultiple,
        choices=WebhookEvent.choices,
        error_messages={"required": "请至少选择一个事件。"},
    )
