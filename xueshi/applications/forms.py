"""Forms of the yearly application: the wizard's steps, an entry, an evidence file, the review,
and the lists' search. Choices come from the region profile; the services judge the values."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from xueshi.accounts.details import TrackChoice
from xueshi.core.forms import StyledFormMixin
from xueshi.orgs.models import Organization
from xueshi.policy.schema import ProfileVersion

from .models import ApplicationStatus
from .services import type_field

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _choices(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def _apply(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError onto the form: by field where it names one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


class InfoForm(StyledFormMixin, forms.Form):
    """Step 1 我的信息: 申报区域 (the unit is chosen on 更换单位)."""

    declaring_region = forms.ChoiceField(
        label="申报区域",
        help_text="自治区认定高级及正高，地州市级认定初、中级",
        error_messages={"required": "请选择申报区域。", "invalid_choice": "请选择申报区域。"},
    )

    def __init__(self, *args: Any, version: ProfileVersion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = version.yearly_application.declaring_regions
        _choices(self, "declaring_region").choices = [("", "请选择申报区域")] + [
            (region.code, region.name) for region in regions
        ]


class TrackForm(StyledFormMixin, forms.Form):
    """Step 2 选择认定专业: series → discipline → grade, the grades the region certifies."""

    series = forms.ChoiceField(label="职称系列", error_messages={"required": "请选择职称系列。"})
    discipline = forms.ChoiceField(label="专业", error_messages={"required": "请选择专业。"})
    grade = forms.ChoiceField(label="等级", error_messages={"required": "请选择等级。"})

    def __init__(self, *args: Any, tracks: list[TrackChoice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tracks = tracks
        series = list(dict.fromkeys(t.series for t in tracks))
        disciplines = list(dict.fromkeys((t.series, t.discipline) for t in tracks))
        _choices(self, "series").choices = [("", "请选择职称系列")] + [(s, s) for s in series]
        _choices(self, "discipline").choices = [("", "请选择专业")] + [
            (f"{s}/{d}", d) for s, d in disciplines
        ]
        _choices(self, "grade").choices = [("", "请选择等级")] + [
            (t.value, f"{t.grade}（{t.rank}）") for t in tracks
        ]
        # The cascade (static/js/applications.js) filters each list by the one before it.
        self.fields["series"].widget.attrs["data-cascade"] = "series"
        self.fields["discipline"].widget.attrs["data-cascade"] = "discipline"
        self.fields["grade"].widget.attrs["data-cascade"] = "grade"
        self.fields["series"].error_messages["invalid_choice"] = "请选择列表中的职称系列。"
        self.fields["discipline"].error_messages["invalid_choice"] = "请选择列表中的专业。"
        self.fields["grade"].error_messages["invalid_choice"] = (
            "所选等级不在该申报区域的认定范围内，请重新选择。"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        grade, discipline, series = data.get("grade"), data.get("discipline"), data.get("series")
        consistent = bool(grade and discipline and series) and (
            str(grade).startswith(f"{discipline}/") and str(discipline).startswith(f"{series}/")
        )
        if grade and discipline and series and not consistent:
            self.add_error("grade", "职称系列、专业和等级不一致，请按顺序重新选择。")
        return data

    @property
    def specialty(self) -> str:
        return str(self.cleaned_data["grade"])


class CertifierForm(StyledFormMixin, forms.Form):
    certifier = forms.TypedChoiceField(
        label="认定单位",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择认定单位。", "invalid_choice": "请选择认定单位。"},
    )

    def __init__(self, *args: Any, organizations: list[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "certifier").choices = [(org.pk, org.name) for org in organizations]


class EntryForm(StyledFormMixin, forms.Form):
    """One activity of a section; labels and the type list are the section's (profile)."""

    title = forms.CharField(label="项目标题", max_length=400, required=False)
    organizer = forms.CharField(label="组织单位", max_length=400, required=False)
    activity_type = forms.ChoiceField(label="项目类型", required=False)
    start_date = forms.DateField(
        label="项目开始时间",
        required=False,
        widget=DATE,
        error_messages={"invalid": "请填写正确的日期，如 2023-06-01。"},
    )
    end_date = forms.DateField(
        label="项目结束时间",
        required=False,
        widget=DATE,
        error_messages={"invalid": "请填写正确的日期，如 2023-06-07。"},
    )
    hours = forms.CharField(label="申请学时", max_length=10, required=False)

    def __init__(self, *args: Any, version: ProfileVersion, section: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = {name: spec.label for name, spec, _ in version.fields_for(section)}
        for name in ("title", "organizer", "start_date", "end_date"):
            if name in labels:
                self.fields[name].label = labels[name]
        self.fields["hours"].label = labels.get("hours_claimed", "申请学时")
        self.fields["title"].widget.attrs.update(maxlength="200", **{"data-count": "200"})
        self.fields["organizer"].widget.attrs.update(maxlength="200", **{"data-count": "200"})
        self.fields["hours"].widget.attrs.update(
            inputmode="numeric", maxlength="3", **{"data-count": "3"}
        )
        self.fields["hours"].help_text = "整数，最多 3 位"
        typed = type_field(version, section)
        if typed is None:
            del self.fields["activity_type"]
        else:
            label, choices = typed
            self.fields["activity_type"].label = label
            _choices(self, "activity_type").choices = [("", f"请选择{label}")] + [
                (c, c) for c in choices
            ]


class EvidenceForm(StyledFormMixin, forms.Form):
    position = forms.IntegerField(label="顺序号", min_value=1, max_value=99, required=False)
    file_kind = forms.ChoiceField(label="附件类型", choices=[("佐证材料", "佐证材料")])
    file = forms.FileField(
        label="上传附件",
        help_text="只能上传jpg/pdf文件，且不超过5Mb",
        error_messages={"required": "请选择要上传的文件。"},
    )


VERDICT_LABELS = {"approve": "同意", "return": "退回"}


class ReviewForm(StyledFormMixin, forms.Form):
    """办理: 同意 (选择提交单位, 推荐意见) or 退回 (原因)."""

    verdict = forms.ChoiceField(
        label="审核推荐",
        choices=[("approve", "同意"), ("return", "退回")],
        widget=forms.RadioSelect,
        error_messages={"required": "请选择同意或退回。"},
    )
    forward_to = forms.TypedChoiceField(label="选择提交单位", coerce=int, required=False)
    comment = forms.CharField(
        label="推荐意见 / 退回原因",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    position = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self, *args: Any, options: list[Organization], outcomes: tuple[str, ...], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.options = options
        verdict = _choices(self, "verdict")
        verdict.choices = [
            (code, VERDICT_LABELS[code]) for code in VERDICT_LABELS if code in outcomes
        ]
        if options:
            _choices(self, "forward_to").choices = [("", "请选择提交单位")] + [
                (org.pk, org.name) for org in options
            ]
        else:
            del self.fields["forward_to"]

    def forward_organization(self) -> Organization | None:
        chosen = self.cleaned_data.get("forward_to")
        return next((org for org in self.options if org.pk == chosen), None)


class SearchForm(StyledFormMixin, forms.Form):
    credit_year = forms.TypedChoiceField(label="认定年度", coerce=int, required=False)
    name = forms.CharField(label="姓名", max_length=50, required=False)
    id_number = forms.CharField(label="身份证号", max_length=18, required=False)
    status = forms.ChoiceField(label="状态", required=False)

    def __init__(self, *args: Any, years: list[int], show_person: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "credit_year").choices = [("", "全部年度")] + [(y, str(y)) for y in years]
        _choices(self, "status").choices = [("", "全部状态"), *ApplicationStatus.choices]
        if not show_person:
            del self.fields["name"]
            del self.fields["id_number"]
