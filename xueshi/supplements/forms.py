from __future__ import annotations

from django import forms

from xueshi.core.forms import StyledForm


class RefuseForm(StyledForm):
    reason = forms.CharField(
        label="拒绝原因",
        max_length=500,
        strip=True,
        error_messages={"required": "拒绝增补必须填写原因。", "max_length": "原因最多 500 个字。"},
        widget=forms.TextInput(attrs={"placeholder": "请填写拒绝原因"}),
    )
