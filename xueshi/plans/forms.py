from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from xueshi.core.forms import StyledForm

from .models import TrainingPlan
from .selectors import organizer_choices, plan_categories, version_of


class PlanCreateForm(StyledForm):
    year = forms.TypedChoiceField(label="计划年度", coerce=int, choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        year_field: Any = self.fields["year"]
        year_field.choices = [(year, f"{year} 年度") for year in (this_year, this_year + 1)]


class TrainingForm(StyledForm):
    category_code = forms.ChoiceField(
        label="学习形式", error_messages={"required": "请选择学习形式"}
    )
    title = forms.CharField(
        label="培训项目名称", max_length=200, error_messages={"required": "请填写培训项目名称"}
    )
    organizer = forms.TypedChoiceField(
        label="组织单位", coerce=int, error_messages={"required": "请选择组织单位"}
    )
    start_date = forms.DateField(
        label="开始时间",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "请填写开始时间", "invalid": "开始时间不是有效日期"},
    )
    end_date = forms.DateField(
        label="结束时间",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "请填写结束时间", "invalid": "结束时间不是有效日期"},
    )
    hours = forms.DecimalField(
        label="计划学时",
        max_digits=6,
        decimal_places=1,
        min_value=0,
        error_messages={"required": "请填写计划学时", "invalid": "计划学时应为数字"},
    )

    def __init__(self, *args: Any, plan: TrainingPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category: Any = self.fields["category_code"]
        organizer: Any = self.fields["organizer"]
        category.choices = [("", "请选择")] + [
            (code, name) for code, name, _rule in plan_categories(version_of(plan.organization))
        ]
        organizer.choices = [("", "请选择")] + [
            (organization.pk, organization.name) for organization in organizer_choices(plan)
        ]
