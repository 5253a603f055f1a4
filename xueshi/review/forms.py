"""Forms of the review pages: queue and result filters, the verdicts, batch review, removal."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from xueshi.core.forms import StyledForm, style_widgets
from xueshi.policy.words import DEFAULT_STATE_WORDS

from .selectors import RESULT_STATUSES, QueueFilters, ResultFilters, StatusTab

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
REASON_ROWS = 2


def _optional_year() -> forms.IntegerField:
    return forms.IntegerField(
        label="年度",
        required=False,
        min_value=1990,
        max_value=2100,
        widget=forms.NumberInput(attrs={"placeholder": "如 2025", "inputmode": "numeric"}),
    )


class QueueFilterForm(StyledForm):
    """专业科目学时审核 filters: 证件号码, 姓名, 年度, 申报类型, 登记机构, 提交日期."""

    id_number = forms.CharField(label="证件号码", required=False, max_length=18)
    name = forms.CharField(label="姓名", required=False, max_length=50)
    credit_year = _optional_year()
    category_code = forms.ChoiceField(label="申报类型", required=False)
    registered_by = forms.CharField(label="登记机构", required=False, max_length=100)
    submitted_from = forms.DateField(label="提交开始日期", required=False, widget=DATE_INPUT)
    submitted_to = forms.DateField(label="提交结束日期", required=False, widget=DATE_INPUT)
    overdue_only = forms.BooleanField(label="只看超期", required=False)
    flagged = forms.BooleanField(label="仅看证书存疑（不一致或重复使用）", required=False)

    def __init__(
        self, *args: Any, categories: list[tuple[str, str]], flags: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["category_code"])
        field.choices = [("", "全部类型"), *categories]
        if not flags:  # nobody raises flags (the recognition feature is off): no such filter
            del self.fields["flagged"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("submitted_from"), data.get("submitted_to")
        if start and end and end < start:
            self.add_error("submitted_to", "结束日期不能早于开始日期。")
        return data

    def filters(self) -> QueueFilters:
        """The valid filters (an invalid form filters nothing, and shows its errors)."""
        if not self.is_valid():
            return QueueFilters()
        data = self.cleaned_data
        return QueueFilters(
            id_number=data["id_number"].strip().upper(),
            name=data["name"].strip(),
            credit_year=data["credit_year"],
            category_code=data["category_code"],
            registered_by=data["registered_by"].strip(),
            submitted_from=data["submitted_from"],
            submitted_to=data["submitted_to"],
            overdue_only=bool(data["overdue_only"]),
            flagged=bool(data.get("flagged")),
        )


# The platform's words; a page passes its region's (`state_words`, e.g. Henan's 审核通过).
STATUS_LABELS = {status: DEFAULT_STATE_WORDS[status] for status in RESULT_STATUSES}


class ResultFilterForm(StyledForm):
    """专业科目学时审核结果 filters: 审核状态, 姓名或证件号码, 年度."""

    status = forms.ChoiceField(
        label="审核状态",
        required=False,
        choices=[("", "全部"), *((status, STATUS_LABELS[status]) for status in RESULT_STATUSES)],
    )
    query = forms.CharField(
        label="姓名或证件号码",
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": "输入姓名或完整证件号码"}),
    )
    credit_year = _optional_year()

    def __init__(self, *args: Any, tabs: list[StatusTab] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The region's own status words (Zhejiang 个人上报 …; Anyang without 不予认定).
        self.tabs = {tab.code: tab for tab in tabs or []}
        if tabs:
            shown = [("", "全部"), *((tab.code, tab.label) for tab in tabs)]
            # A plain state (a bookmarked ?status=rejected) still filters, by the state alone.
            hidden = [(state, STATUS_LABELS[state]) for state in RESULT_STATUSES]
            field = self.fields["status"]
            if isinstance(field, forms.ChoiceField):
                field.choices = shown + [c for c in hidden if c[0] not in self.tabs]
                field.widget.choices = shown

    def filters(self) -> ResultFilters:
        if not self.is_valid():
            return ResultFilters()
        data = self.cleaned_data
        tab = self.tabs.get(data["status"])
        return ResultFilters(
            status="" if tab is not None else data["status"],
            query=data["query"].strip(),
            credit_year=data["credit_year"],
            condition=tab.condition if tab is not None else None,
        )


class VerdictForm(StyledForm):
    """Common part of every verdict: the chain position the page showed (stale pages refused)."""

    expected_position = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    # Where to go afterwards: the queue (with its filters) or the detail page.
    next = forms.CharField(widget=forms.HiddenInput, required=False, max_length=1000)

    # Service error keys → this form's fields.
    service_fields: Mapping[str, str] = {}

    def add_service_error(self, error: ValidationError) -> None:
        """Put a service's ValidationError on the matching fields (others on the form)."""
        if hasattr(error, "error_dict"):
            for key, errors in error.error_dict.items():
                field = self.service_fields.get(key, key)
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, error)
        style_widgets(self)


class ApproveForm(VerdictForm):
    comment = forms.CharField(
        label="审核意见",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": REASON_ROWS}),
        help_text="调低批准学时时必须填写原因。",
    )
    hours_granted = forms.DecimalField(
        label="批准学时",
        required=False,
        min_value=Decimal(0),
        max_digits=7,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )

    service_fields = {"reason": "comment", "hours_granted": "hours_granted"}


class ReasonForm(VerdictForm):
    """退回 / 不予认定: a reason is required."""

    reason = forms.CharField(
        label="原因",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": REASON_ROWS}),
        error_messages={"required": "请填写原因。"},
    )

    service_fields = {"reason": "reason"}

    def __init__(self, *args: Any, label: str = "原因", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label


def verdict_auto_id(action: str, pk: int) -> str:
    """The ids of one verdict's inputs for one claim (a queue page holds many):
    id_return_12_reason."""
    return f"id_{action}_{pk}_%s"


@dataclass(frozen=True)
class VerdictInputs:
    """One verdict of one queue row, as `review/_queue_row.html` writes its inputs.

    The row writes them itself instead of rendering the form's widgets: a page of twenty rows
    holds sixty verdict forms, and Django's template-based widget renderer made them most of the
    queue's time (issue 20). Names, ids and limits are ApproveForm's and ReasonForm's, which
    still validate the POST; review/tests/test_queue_rows.py keeps the two alike.
    """

    id_prefix: str  # the form's auto_id without "%s": "id_return_12_"
    expected_position: str
    next: str
    reason_label: str = ""
    reason: str = ""  # what the reviewer typed, shown again after a refusal
    reason_errors: tuple[str, ...] = ()
    # Shown beside the button: the form's own errors and those of fields the row does not show
    # (the approval's 审核意见 and 批准学时 are on the detail page).
    errors: tuple[str, ...] = ()
    refused: bool = False  # its panel stays open

    @classmethod
    def blank(
        cls, action: str, pk: int, position: int | None, next_url: str, reason_label: str = ""
    ) -> VerdictInputs:
        """Before the reviewer acts: what the unbound form would show (no form is built)."""
        return cls(
            id_prefix=verdict_auto_id(action, pk) % "",
            expected_position="" if position is None else str(position),
            next=next_url,
            reason_label=reason_label,
        )

    @classmethod
    def of(cls, form: VerdictForm) -> VerdictInputs:
        """A form the server refused: what was sent, and why it was refused."""
        errors = [str(error) for error in form.non_field_errors()]
        for name in ("comment", "hours_granted"):
            if name in form.fields:
                errors += [str(error) for error in form[name].errors]
        inputs = cls(
            id_prefix=str(form.auto_id) % "",
            expected_position=_text(form["expected_position"].value()),
            next=_text(form["next"].value()),
            errors=tuple(errors),
            refused=bool(form.errors),
        )
        if "reason" not in form.fields:
            return inputs
        reason = form["reason"]
        return dataclasses.replace(
            inputs,
            reason_label=str(reason.label),
            reason=_text(reason.value()),
            reason_errors=tuple(str(error) for error in reason.errors),
        )


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class IdListField(forms.Field):
    """The ids of the ticked rows (checkboxes named alike); whether each may be reviewed is
    the service's call."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            return [int(item) for item in values]
        except (TypeError, ValueError) as error:
            raise ValidationError("所选申报无效，请刷新后重试。") from error


BATCH_APPROVE = "approve"
BATCH_RETURN = "return"
BATCH_REJECT = "reject"
BATCH_CHOICES = {
    BATCH_APPROVE: "批量通过审核",
    BATCH_RETURN: "批量退回",
    BATCH_REJECT: "批量不通过审核",
}
# "已批量通过审核 3 条申报。"
BATCH_DONE = {
    BATCH_APPROVE: "批量通过审核",
    BATCH_RETURN: "批量退回",
    BATCH_REJECT: "批量不通过审核",
}


class BatchForm(StyledForm):
    """批量通过审核 / 批量退回 / 批量不通过审核 of the rows ticked on the queue: only the
    outcomes the role's review level has in its region (`outcomes`)."""

    action = forms.ChoiceField(choices=list(BATCH_CHOICES.items()))
    ids = IdListField(error_messages={"required": "请先勾选要审核的申报。"})
    reason = forms.CharField(
        label="审核意见",
        required=False,
        max_length=500,
    )

    def __init__(self, *args: Any, outcomes: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offered = [(code, label) for code, label in BATCH_CHOICES.items() if code in outcomes]
        self.fields["action"].choices = offered or list(BATCH_CHOICES.items())  # type: ignore[attr-defined]

    @property
    def offered(self) -> list[str]:
        return [str(code) for code, _ in self.fields["action"].choices]  # type: ignore[attr-defined]

    @property
    def reason_label(self) -> str:
        if BATCH_REJECT in self.offered:
            return "审核意见 / 不通过原因"
        return "审核意见 / 退回原因" if BATCH_RETURN in self.offered else "审核意见"

    @property
    def reason_placeholder(self) -> str:
        """Names only the outcomes this level has (Anyang, Xinjiang's unit: no 不通过)."""
        needing = [
            word
            for code, word in ((BATCH_RETURN, "退回"), (BATCH_REJECT, "不通过"))
            if code in self.offered
        ]
        if not needing:
            return "审核意见（选填）"
        return f"审核意见；批量{'或'.join(needing)}时必须填写原因"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["reason"] = (data.get("reason") or "").strip()
        if data.get("action") == BATCH_REJECT and not data["reason"]:
            self.add_error("reason", "批量不通过审核必须填写不通过原因。")
        if data.get("action") == BATCH_RETURN and not data["reason"]:
            self.add_error("reason", "批量退回必须填写退回原因。")
        return data


class DeleteApprovedForm(StyledForm):
    reason = forms.CharField(
        label="删除原因",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写删除原因。"},
    )
