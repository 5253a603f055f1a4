"""The declaration form, built from the region's profile version.

First the category (one ``<select>``, a ``<optgroup>`` per first-level category where the
profile has subcategories), then the level (hidden when the category has only one), then
exactly the fields that category asks for, with the profile's labels, limits and help texts.
Django checks only what it must parse (dates, numbers); the rules of the profile are checked by
the services, and their messages are put beside the fields here (`apply_errors`).
"""

from __future__ import annotations

import contextlib
import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.urls import reverse

from xueshi.accounts.models import RoleKind
from xueshi.core.forms import StyledForm, style_widgets
from xueshi.orgs.models import Organization
from xueshi.plans.selectors import trainings_offered
from xueshi.policy.facts import ClaimFacts
from xueshi.policy.hours import (
    HoursInputError,
    HoursResult,
    calculate_hours,
    describe_rule,
    fmt,
)
from xueshi.policy.schema import (
    AttachmentRules,
    DateRangeRule,
    FieldSpec,
    LeafCategory,
    ManualRule,
    ProfileVersion,
)
from xueshi.policy.uploads import size_limit_mb

from .models import Declaration
from .rules import allowed_credit_years
from .services import COLUMN_FIELDS, DeclarationInput

HOURS_FIELD = "hours_claimed"
FORM_ID = "declaration-form"
# Which file name endings the browser's file picker offers for each kind.
ACCEPT_BY_KIND = {
    "jpg": ".jpg,.jpeg",
    "png": ".png",
    "gif": ".gif",
    "bmp": ".bmp",
    "pdf": ".pdf",
    "zip": ".zip",
    "rar": ".rar",
    "doc": ".doc",
    "docx": ".docx",
    "xlsx": ".xlsx",
    "ppt": ".ppt",
    "pptx": ".pptx",
}
# Inputs that change the hours: typing in them asks the server for the hours again.
MAX_ATTENDEES = 500


def hours_editable(rule: object) -> bool:
    """May the declarant type 申请学时 (else it is computed and read-only)?"""
    if isinstance(rule, ManualRule):
        return True
    if isinstance(rule, DateRangeRule):
        return rule.manual_override
    return False


def declarable_leaves(version: ProfileVersion, role_kind: str) -> list[LeafCategory]:
    """The categories this role may declare in, in the profile's order."""
    return [
        leaf for leaf in version.leaf_categories() if role_kind in version.declarants_for(leaf.code)
    ]


def category_choices(leaves: list[LeafCategory], label: str = "申报类型") -> list[Any]:
    """Flat choices for first-level categories, an optgroup for each one with subcategories."""
    choices: list[Any] = [("", f"请选择{label}")]
    groups: dict[str, list[tuple[str, str]]] = {}
    for leaf in leaves:
        if leaf.parent is None:
            choices.append((leaf.code, leaf.category.name))
            continue
        group = groups.get(leaf.parent.code)
        if group is None:
            group = groups[leaf.parent.code] = []
            choices.append((leaf.parent.name, group))
        # The closed select shows only the option: name both levels (培训进修类-培训班).
        group.append((leaf.code, leaf.full_name))
    return choices


# Inputs that are not the category's own fields (never carried over in hidden inputs).
CARRY_SKIP = frozenset(
    {
        "category",
        "category_group",
        "level",
        "profile_key",
        "profile_version",
        "csrfmiddlewaretoken",
        "action",
        "pledge",
        "person",
    }
)


def category_groups(leaves: list[LeafCategory]) -> list[tuple[str, str]]:
    """First-level categories holding a declarable leaf (Guangxi "请选择类型"), in order."""
    groups: dict[str, str] = {}
    for leaf in leaves:
        top = leaf.parent or leaf.category
        groups.setdefault(top.code, top.name)
    return list(groups.items())


def group_of(leaf: LeafCategory) -> str:
    return (leaf.parent or leaf.category).code


def attachment_rules_text(rules: AttachmentRules) -> str:
    """The evidence rules in words: kinds, size, count."""
    parts = [f"可上传 {'、'.join(rules.kinds)} 格式的文件（按文件内容识别类型）"]
    parts.append(f"单个文件不超过 {fmt(size_limit_mb(rules))} MB")
    if rules.max_count is not None:
        parts.append(f"最多 {rules.max_count} {rules.count_noun}")
    if rules.required:
        parts.append(f"上传{rules.label}后才能提交")
    return "，".join(parts) + "。"


def accept_for(rules: AttachmentRules) -> str:
    return ",".join(ACCEPT_BY_KIND[kind] for kind in rules.kinds if kind in ACCEPT_BY_KIND)


def shows_pledge(version: ProfileVersion, role_kind: str) -> bool:
    """The pledge is the person's own promise; organisations declaring for them do not give it."""
    return version.pledge is not None and role_kind == RoleKind.PROFESSIONAL


class InlineRadioSelect(forms.RadioSelect):
    """Radio buttons in a row (申报方式 学时申报 / 学分申报); the wrapper does not take the
    inputs' form-check-input class."""

    template_name = "declarations/widgets/radio_inline.html"


@dataclass(frozen=True)
class HoursPreview:
    """What the hours block shows: the figure and its sentence, or why it cannot be computed."""

    result: HoursResult | None
    problems: list[str]
    rule_text: str
    editable: bool
    # The figure put into a read-only (or still untouched) 申请学时 input, else None.
    fill: Decimal | None = None


class DeclarationForm(StyledForm):
    """One claim's inputs. Built for a profile version, a role and the chosen category/level."""

    use_required_attribute = False

    def __init__(
        self,
        data: Any = None,
        *,
        version: ProfileVersion,
        role_kind: str,
        today: datetime.date,
        show_pledge: bool,
        category_code: str = "",
        level_code: str = "",
        group_code: str = "",
        initial: dict[str, Any] | None = None,
        unit: Organization | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, initial=initial, **kwargs)
        self.version = version
        self.unit = unit  # the person's unit: which planned trainings are on offer
        self.today = today
        self.leaves = declarable_leaves(version, role_kind)
        codes = {leaf.code for leaf in self.leaves}
        self.category_code = category_code if category_code in codes else ""
        # Two linked selects where the profile groups categories (Guangxi: 请选择类型 → 请选择
        # 二级类型); the group chosen wins over a subcategory of another group.
        self.two_level = any(leaf.parent is not None for leaf in self.leaves)
        self.group_code = ""
        if self.two_level:
            by_code = {leaf.code: leaf for leaf in self.leaves}
            groups = {code for code, _name in category_groups(self.leaves)}
            chosen = by_code.get(self.category_code)
            self.group_code = group_code if group_code in groups else ""
            if chosen is not None and not self.group_code:
                self.group_code = group_of(chosen)
            if chosen is not None and group_of(chosen) != self.group_code:
                self.category_code = ""
            if not self.category_code and self.group_code in codes:
                self.category_code = self.group_code  # a first-level category without subtypes
        self.leaf = version.leaf(self.category_code) if self.category_code else None
        self.levels = list(self.leaf.category.levels) if self.leaf else []
        level_codes = {level.code for level in self.levels}
        if len(self.levels) == 1:
            level_code = self.levels[0].code
        self.level_code = level_code if level_code in level_codes else ""
        self.rule = (
            version.rule_for(self.category_code, self.level_code) if self.level_code else None
        )
        self.hours_editable = hours_editable(self.rule)
        self.profile_fields: list[str] = []
        self.pledge_text = version.pledge.text if version.pledge is not None else ""

        refresh = {
            "hx-get": reverse("declarations:fields"),
            "hx-target": "#fields-block",
            "hx-include": "closest form",
            "hx-trigger": "change",
            "data-refresh-fields": "1",
        }
        label = version.category_label
        if self.two_level:
            self._add_two_level_fields(refresh)
        else:
            self.fields["category"] = forms.ChoiceField(
                label=label,
                choices=category_choices(self.leaves, label),
                error_messages={
                    "required": f"请选择{label}",
                    "invalid_choice": f"请选择有效的{label}",
                },
                widget=forms.Select(attrs=refresh),
            )
        self.fields["category"].initial = self.category_code
        # 学时/学分申报: where the region counts credits, the typed amount may be in credits.
        self.credit_unit = version.credits_for(self.category_code) if self.leaf else None
        source = data if data is not None else self.initial
        measure = str(source.get("measure") or "hours") if self.credit_unit else "hours"
        self.measure = measure if measure in ("hours", "credits") else "hours"
        if self.leaf is not None:
            self._add_level_field(refresh)
            if self.credit_unit is not None:
                self.fields["measure"] = forms.ChoiceField(
                    label="申报方式",
                    choices=[
                        ("hours", "学时申报"),
                        ("credits", f"{self.credit_unit.label}申报"),
                    ],
                    initial=self.measure,
                    required=False,
                    widget=InlineRadioSelect(attrs=refresh),
                )
            for name, spec, required in version.fields_for(self.category_code):
                self.fields[name] = self._field_for(name, spec, required)
                self.profile_fields.append(name)
        if show_pledge and version.pledge is not None:
            self.fields["pledge"] = forms.BooleanField(
                label=version.pledge.text,
                required=False,
                widget=forms.CheckboxInput(attrs={"form": FORM_ID}),
            )
        style_widgets(self)

    @property
    def carried(self) -> list[tuple[str, str]]:
        """What was typed while no category is chosen (the type changed, its second-level type
        not yet picked): kept in hidden inputs so nothing typed is lost."""
        if self.leaf is not None:
            return []
        source = self.data if self.is_bound else self.initial
        return [
            (name, value)
            for name, value in source.items()
            if name not in CARRY_SKIP and isinstance(value, str) and value
        ]

    # --- building the fields -----------------------------------------------------------------

    def _add_two_level_fields(self, refresh: dict[str, str]) -> None:
        """请选择类型 (the group) and 请选择二级类型 (its subcategories, swapped in by HTMX)."""
        label = self.version.category_label
        first_prompt = self.version.category_prompt or f"请选择{label}"
        second_prompt = self.version.subcategory_prompt or "请选择二级类型"
        # Not required: the second-level type names its group (an old page, a test client).
        self.fields["category_group"] = forms.ChoiceField(
            label=label,
            required=False,
            choices=[("", first_prompt), *category_groups(self.leaves)],
            error_messages={"invalid_choice": f"请选择有效的{label}"},
            widget=forms.Select(attrs=refresh),
        )
        data = self.data
        if self.group_code and isinstance(data, QueryDict) and not data.get("category_group"):
            data = data.copy()
            data["category_group"] = self.group_code
            self.data = data
        self.fields["category_group"].initial = self.group_code
        # The page's query may still name a subcategory of the group chosen before.
        self.initial.update(category_group=self.group_code, category=self.category_code)
        subtypes = [
            (leaf.code, leaf.category.name)
            for leaf in self.leaves
            if leaf.parent is not None and leaf.parent.code == self.group_code
        ]
        self.group_has_subtypes = bool(subtypes)
        if self.group_code and not subtypes:
            self.fields["category"] = forms.CharField(widget=forms.HiddenInput)
            return
        self.fields["category"] = forms.ChoiceField(
            label="二级类型",
            choices=[("", second_prompt), *subtypes],
            error_messages={
                # Nothing chosen yet: say the first choice is missing.
                "required": second_prompt if self.group_code else first_prompt,
                "invalid_choice": f"{second_prompt}（须属于所选类型）",
            },
            widget=forms.Select(attrs=refresh),
        )
        if not self.group_code:
            self.fields["category"].widget.attrs["disabled"] = "disabled"

    def _add_level_field(self, refresh: dict[str, str]) -> None:
        if len(self.levels) == 1:
            field: forms.Field = forms.CharField(
                widget=forms.HiddenInput, required=False, initial=self.levels[0].code
            )
        else:
            field = forms.ChoiceField(
                label="申报等级",
                choices=[("", "请选择申报等级")]
                + [(level.code, level.name) for level in self.levels],
                error_messages={
                    "required": "请选择申报等级",
                    "invalid_choice": "请选择有效的申报等级",
                },
                widget=forms.Select(attrs=refresh),
            )
            field.initial = self.level_code
        self.fields["level"] = field

    def _field_for(self, name: str, spec: FieldSpec, required: bool) -> forms.Field:
        label = spec.label
        helps = [spec.help_text] if spec.help_text else []
        attrs: dict[str, str] = {}
        verb = {
            "choice": "请选择",
            "year": "请选择",
            "boolean": "请勾选",
            "planned_training": "请选择",
        }.get(spec.type, "请填写")
        messages = {"required": f"{verb}{label}"}
        field: forms.Field
        if spec.type == "rich_text":
            field = self._rich_text_field(spec, attrs, helps)
        elif spec.type == "planned_training":
            field = self._planned_training_field()
        elif spec.type in ("text", "textarea"):
            if spec.max_length:
                attrs["maxlength"] = str(spec.max_length)
                helps.append(f"最多 {spec.max_length} 个字")
            widget: forms.Widget = (
                forms.Textarea(attrs={"rows": "3", **attrs})
                if spec.type == "textarea"
                else forms.TextInput(attrs=attrs)
            )
            field = forms.CharField(widget=widget, strip=True)
        elif spec.type == "date":
            messages["invalid"] = f"{label}不是有效日期"
            field = forms.DateField(
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                input_formats=["%Y-%m-%d"],
            )
        elif spec.type in ("integer", "decimal"):
            field = self._number_field(name, spec, attrs, helps, messages)
        elif spec.type == "year":
            field = self._year_field(name)
            required = required and not self._year_has_auto_choice()
        elif spec.type == "choice":
            field = forms.ChoiceField(choices=[("", "请选择")] + [(c, c) for c in spec.choices])
        else:
            field = forms.BooleanField()
        if name == HOURS_FIELD and self.measure == "credits" and self.credit_unit is not None:
            unit = self.credit_unit
            label = f"申报{unit.label}"
            messages["required"] = f"请填写{label}"
            helps = [
                f"1 {unit.label}折合 {fmt(unit.hours_per_credit)} 学时，"
                "审核通过后按学时计入年度学时"
            ]
        if name == HOURS_FIELD and not self.hours_editable:
            required = False
            field.widget.attrs.update({"readonly": "readonly", "aria-readonly": "true"})
            helps = ["按规则自动计算，不可修改"]
        elif name == HOURS_FIELD and isinstance(self.rule, DateRangeRule):
            helps.append("已按起止日期自动填入，可按文件要求和实际情况修改")
        field.label = label
        field.required = required
        field.help_text = "；".join(helps)
        field.error_messages.update(messages)
        return field

    def _planned_training_field(self) -> forms.Field:
        """Henan forms 13/14: the trainings of yearly plans filed with 人社 that the person may
        declare (their supervising department's, or their own unit's)."""
        rule = self.leaf.category.training_plan if self.leaf is not None else None
        offered = (
            trainings_offered(
                self.unit,
                self.category_code,
                rule,
                allowed_credit_years(self.version, self.today),
            )
            if rule is not None
            else []
        )
        choices = [("", "请选择年度计划中的培训")] + [
            (str(training.pk), f"{training.plan.year} 年度 · {training.label}")
            for training in offered
        ]
        field = forms.ChoiceField(choices=choices)
        if len(choices) == 1:
            field.widget.attrs["aria-describedby"] = "planned-training-none"
            self.no_planned_training = True
        return field

    no_planned_training = False

    def _rich_text_field(
        self, spec: FieldSpec, attrs: dict[str, str], helps: list[str]
    ) -> forms.Field:
        """详细及附件: a text area the static editor (js/rich-text.js) turns into a small word
        processor with a 图片 button; without script it stays a plain text area. What arrives
        is sanitised by the services, whatever the browser sent."""
        attrs.update({"rows": "8", "data-rich-text": "1"})
        if spec.image_kinds:
            attrs["data-image-accept"] = ",".join(
                ACCEPT_BY_KIND[kind] for kind in spec.image_kinds if kind in ACCEPT_BY_KIND
            )
            helps.append(
                f"可点击工具条中的“图片”，选择本地上传扫描件（{'、'.join(spec.image_kinds)}，"
                "按文件内容识别）；不能引用外部网址的图片"
            )
        if spec.max_length:
            helps.append(f"正文最多 {spec.max_length} 个字")
        return forms.CharField(widget=forms.Textarea(attrs=attrs), strip=True)

    def _number_field(
        self,
        name: str,
        spec: FieldSpec,
        attrs: dict[str, str],
        helps: list[str],
        messages: dict[str, str],
    ) -> forms.Field:
        integer = spec.type == "integer"
        attrs["inputmode"] = "numeric" if integer else "decimal"
        attrs["step"] = "1" if integer else "any"
        if spec.min_value is not None:
            attrs["min"] = fmt(spec.min_value)
        if spec.max_value is not None:
            attrs["max"] = fmt(spec.max_value)
        elif spec.max_digits is not None:
            attrs["max"] = str(10**spec.max_digits - 1)
        if spec.max_digits is not None:
            helps.append(f"最多 {spec.max_digits} 位数")
        messages["invalid"] = f"{spec.label}应为{'整数' if integer else '数字'}"
        widget = forms.NumberInput(attrs=attrs)
        return forms.IntegerField(widget=widget) if integer else forms.DecimalField(widget=widget)

    def _year_has_auto_choice(self) -> bool:
        names = {name for name, _, _ in self.version.fields_for(self.category_code)}
        return bool(names & {"start_date", "end_date"})

    def _year_field(self, name: str) -> forms.Field:
        years = allowed_credit_years(self.version, self.today)
        current = self.initial.get(name)
        if (
            str(current or "").isascii()
            and str(current or "").isdigit()
            and int(str(current)) not in years
        ):
            years.append(int(str(current)))  # an old claim keeps showing its year
        choices: list[tuple[Any, str]] = [(year, f"{year} 年度") for year in years]
        if self._year_has_auto_choice():
            choices.insert(0, ("", "按活动日期自动确定"))
        elif name not in self.initial and years:
            self.initial[name] = years[0]
        return forms.TypedChoiceField(
            choices=choices,
            coerce=int,
            empty_value=None,
            error_messages={"invalid_choice": "请选择允许的年度"},
        )

    # --- reading and explaining ------------------------------------------------------------

    @property
    def measure_field(self) -> forms.BoundField | None:
        return self["measure"] if "measure" in self.fields else None

    @property
    def level_is_choice(self) -> bool:
        return len(self.levels) > 1

    @property
    def layout(self) -> list[tuple[forms.BoundField, bool]]:
        """(field, wide) in the profile's order; text areas and titles take the whole row."""
        return [
            (self[name], isinstance(self.fields[name].widget, forms.Textarea) or name == "title")
            for name in self.profile_fields
        ]

    def declaration_input(self) -> DeclarationInput:
        """What the services take, from cleaned data (call after is_valid())."""
        data = self.cleaned_data
        fields = {name: data.get(name) for name in self.profile_fields}
        if not self.hours_editable:
            fields.pop(HOURS_FIELD, None)  # computed by the rules, whatever the page sent
        credits = None
        if self.measure == "credits" and self.credit_unit is not None:
            credits = fields.get(HOURS_FIELD)  # the services convert it at the profile's rate
        return DeclarationInput(
            category_code=self.category_code or data.get("category", ""),
            level_code=self.level_code or data.get("level") or "",
            fields=fields,
            pledge=bool(data.get("pledge")),
            credits=credits,
        )

    def apply_errors(self, error: ValidationError) -> None:
        """A service's ValidationError: each message beside its field, the rest on top."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error.messages)
            return
        for name, messages in error.message_dict.items():
            target = name if name in self.fields else None
            if target is None and name in ("attachments",):
                messages = [f"佐证材料：{message}" for message in messages]
            self.add_error(target, messages)
        style_widgets(self)

    def hours_preview(self, values: Any) -> HoursPreview:
        """The hours for `values` (the page's current inputs, as text)."""
        if self.rule is None:
            hint = (
                f"请先选择{self.version.category_label}"
                if self.leaf is None
                else "请先选择申报等级"
            )
            return HoursPreview(None, [hint], "", False)
        inputs = {name: values.get(name) for name in self.profile_fields}
        inputs["credit_year"] = values.get("credit_year") or str(self.today.year)
        typed = str(values.get(HOURS_FIELD) or "").strip()
        autofill = str(values.get("hours_autofill") or "").strip()
        computed_suggestion = isinstance(self.rule, DateRangeRule) and self.rule.manual_override
        refill = not self.hours_editable or (
            computed_suggestion and (not typed or typed == autofill)
        )
        if refill:
            inputs.pop(HOURS_FIELD, None)
        else:
            inputs[HOURS_FIELD] = typed
            if self.measure == "credits" and self.credit_unit is not None and typed:
                with contextlib.suppress(ArithmeticError):  # the validator words it
                    inputs[HOURS_FIELD] = str(Decimal(typed) * self.credit_unit.hours_per_credit)
        rule_text = describe_rule(self.rule)
        facts = ClaimFacts(
            category_code=self.category_code,
            level_code=self.level_code,
            credit_year=inputs.pop("credit_year"),
            fields=inputs,
        )
        try:
            result = calculate_hours(self.version, self.category_code, self.level_code, facts)
        except HoursInputError as error:
            problems = [message for messages in error.errors.values() for message in messages]
            return HoursPreview(None, problems, rule_text, self.hours_editable)
        fill = result.hours if refill and HOURS_FIELD in self.profile_fields else None
        return HoursPreview(result, [], rule_text, self.hours_editable, fill)


def initial_from_declaration(declaration: Declaration) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "category": declaration.category_code,
        "level": declaration.level_code,
        "pledge": declaration.pledge,
        HOURS_FIELD: fmt(declaration.hours_claimed),
    }
    if declaration.credits_claimed is not None:
        initial["measure"] = "credits"
        initial[HOURS_FIELD] = fmt(declaration.credits_claimed)
    for name in COLUMN_FIELDS:
        value = getattr(declaration, name)
        if value is not None and value != "":
            initial[name] = fmt(value) if isinstance(value, Decimal) else value
    initial.update(declaration.extra)
    return initial


class PersonSearchForm(forms.Form):
    q = forms.CharField(label="证件号码或姓名", required=False, max_length=40)


def attendee_lines(text: str) -> list[str]:
    """One ID number a line; commas, semicolons and spaces also separate them."""
    for separator in (",", "，", ";", "；", "、", "\t", " "):
        text = text.replace(separator, "\n")
    return [line.strip() for line in text.splitlines() if line.strip()]


class AttendeesForm(StyledForm):
    attendees = forms.CharField(
        label="参训人员证件号码",
        widget=forms.Textarea(attrs={"rows": "6", "form": FORM_ID, "spellcheck": "false"}),
        help_text=f"每行一个身份证号，最多 {MAX_ATTENDEES} 人；未找到的证件号码会逐一列出。",
        error_messages={"required": "请填写参训人员证件号码"},
    )

    def clean_attendees(self) -> list[str]:
        lines = attendee_lines(self.cleaned_data["attendees"])
        if not lines:
            raise ValidationError("请填写参训人员证件号码")
        if len(lines) > MAX_ATTENDEES:
            raise ValidationError(f"一次最多申报 {MAX_ATTENDEES} 人，当前 {len(lines)} 人。")
        return lines
