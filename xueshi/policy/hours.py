"""The hours calculator and the declaration input checks, both pure functions of a profile.

``calculate_hours`` turns (version, category, level, inputs) into hours with the sentence the
declarant sees ("15 学时/门 × 12 门 = 180 学时"); ``validate_declaration_inputs`` returns the
field errors, in Chinese, that a form shows beside each input. Declarations call both; neither
touches the database.

Inputs are a ``ClaimFacts`` (``policy.facts``), built once per request by the caller; a plain
mapping of field name to value (a JSON body, a test) is turned into one. The rules read:
``quantity``, ``start_date``/``end_date`` (date or ISO text), ``hours_claimed``,
``months_on_duty``/``days_on_duty`` (or ``…_on_leave``), ``credit_year``, ``attachment_count``
(and optionally ``attachment_sizes`` in bytes and ``attachment_kinds``), ``pledge``, ``level``,
and ``hours_already_this_year`` (what this person already has in this category this year, for the
yearly cap).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import nh3

from .facts import ClaimFacts, as_facts
from .schema import (
    TEXT_FIELD_TYPES,
    DateRangeRule,
    FieldSpec,
    FixedRule,
    ManualRule,
    PerUnitRule,
    ProfileVersion,
    ProRataRule,
    days_in_year,
)
from .uploads import upload_problems

HOURS_STEP = Decimal("0.1")


@dataclass(frozen=True)
class HoursResult:
    hours: Decimal
    explanation: str
    editable: bool  # may the declarant type a different figure?


class HoursInputError(ValueError):
    """Inputs the rule cannot compute with; ``errors`` maps field name to Chinese messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("；".join(m for messages in errors.values() for m in messages))


def fmt(value: Decimal | int) -> str:
    """180 not 180.00 or 1.8E+2; 27.5 stays 27.5."""
    number = Decimal(value)
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return format(number.normalize(), "f")


# --- reading inputs --------------------------------------------------------------------------


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _as_date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def _as_decimal(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal | int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _as_int(value: object) -> int | None:
    number = _as_decimal(value)
    if number is None or number != number.to_integral_value():
        return None
    return int(number)


def _label(version: ProfileVersion, category_code: str, name: str, default: str) -> str:
    for field_name, spec, _ in version.fields_for(category_code):
        if field_name == name:
            return spec.label
    catalogue = version.fields.get(name)
    return catalogue.label if catalogue else default


# --- rule checks shared by the calculator and the validator ----------------------------------


Rule = PerUnitRule | FixedRule | DateRangeRule | ManualRule | ProRataRule


def _rule_errors(
    version: ProfileVersion,
    category_code: str,
    rule: Rule,
    inputs: ClaimFacts,
    *,
    check_caps: bool = True,
) -> dict[str, list[str]]:
    """What stops the rule from computing; with ``check_caps`` also a typed figure over the
    per-item cap (the validator refuses it, the calculator cuts it and explains)."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if isinstance(rule, PerUnitRule):
        label = _label(version, category_code, "quantity", "学时系数")
        raw = inputs.get("quantity")
        quantity = _as_int(raw)
        if _blank(raw):
            add("quantity", f"请填写{label}")
        elif quantity is None or quantity < 1:
            add("quantity", f"{label}必须是大于 0 的整数（{rule.unit}数）")
        elif rule.max_quantity is not None and quantity > rule.max_quantity:
            add("quantity", f"{label}最多 {rule.max_quantity} {rule.unit}")
    elif isinstance(rule, DateRangeRule):
        start, end = inputs.get("start_date"), inputs.get("end_date")
        start_date, end_date = _as_date(start), _as_date(end)
        for name, raw, parsed, default in (
            ("start_date", start, start_date, "开始时间"),
            ("end_date", end, end_date, "结束时间"),
        ):
            label = _label(version, category_code, name, default)
            if _blank(raw):
                add(name, f"请填写{label}")
            elif parsed is None:
                add(name, f"{label}不是有效日期")
        if start_date and end_date and end_date < start_date:
            add("end_date", "结束时间不能早于开始时间")
        if rule.manual_override and not _blank(inputs.get("hours_claimed")):
            _check_claimed(
                version, category_code, rule, inputs.get("hours_claimed"), add, check_caps
            )
    elif isinstance(rule, ManualRule):
        raw = inputs.get("hours_claimed")
        if _blank(raw):
            add(
                "hours_claimed",
                f"请填写{_label(version, category_code, 'hours_claimed', '申请学时')}",
            )
        else:
            _check_claimed(version, category_code, rule, raw, add, check_caps)
    elif isinstance(rule, ProRataRule):
        name, period, unit = _share_input(rule, inputs)
        default = "休假时间" if rule.counts == "leave" else "在岗时间"
        label = _label(version, category_code, name, default)
        raw = inputs.get(name)
        share = _as_decimal(raw)
        if _blank(raw):
            add(name, f"请填写{label}")
        elif share is None or share < 0 or share > period:
            add(name, f"{label}应在 0 到 {period} {unit}之间")
    return errors


def _check_claimed(
    version: ProfileVersion,
    category_code: str,
    rule: Rule,
    raw: object,
    add: Any,
    check_caps: bool,
) -> None:
    label = _label(version, category_code, "hours_claimed", "申请学时")
    claimed = _as_decimal(raw)
    if claimed is None:
        add("hours_claimed", f"{label}应为数字")
    elif claimed <= 0:
        add("hours_claimed", f"{label}必须大于 0")
    elif (spec := version.fields.get("hours_claimed")) is not None and (
        messages := _field_errors(spec, raw)
    ):
        # The field's own limits (Xinjiang: at most 3 digits) hold for the live figure too.
        for message in messages:
            add("hours_claimed", message)
    elif check_caps and rule.max_hours_per_item is not None and claimed > rule.max_hours_per_item:
        add("hours_claimed", f"{label}单项最多 {fmt(rule.max_hours_per_item)} 学时")


def _year_length(inputs: ClaimFacts) -> int:
    year = _as_int(inputs.get("credit_year"))
    return days_in_year(year) if year and 1900 < year < 3000 else 365


# --- the calculator --------------------------------------------------------------------------


def calculate_hours(
    profile_version: ProfileVersion,
    category_code: str,
    level_code: str,
    inputs: ClaimFacts | Mapping[str, Any],
) -> HoursResult:
    """Hours for one declaration and the sentence explaining them.

    Raises ``KeyError`` for an unknown category or level and ``HoursInputError`` when the
    inputs the rule needs are missing or wrong (the same messages the validator gives).
    Never negative; per-item and yearly caps cut the figure and say so.
    """
    inputs = as_facts(category_code, inputs)
    level = profile_version.level(category_code, level_code)
    rule = profile_version.rule_for(category_code, level_code)
    errors = _rule_errors(profile_version, category_code, rule, inputs, check_caps=False)
    if errors:
        raise HoursInputError(errors)

    editable = False
    if isinstance(rule, PerUnitRule):
        quantity = _as_int(inputs.get("quantity")) or 0
        hours = rule.per_unit_hours * quantity
        per_unit = f"{fmt(rule.per_unit_hours)} 学时/{rule.unit}"
        explanation = f"{per_unit} × {quantity} {rule.unit} = {fmt(hours)} 学时"
    elif isinstance(rule, FixedRule):
        hours = rule.hours
        explanation = f"按「{level.name}」计 {fmt(hours)} 学时"
    elif isinstance(rule, DateRangeRule):
        start, end = _as_date(inputs.get("start_date")), _as_date(inputs.get("end_date"))
        if start is None or end is None:  # _rule_errors has refused these already
            raise HoursInputError({"start_date": ["请填写开始时间"]})
        days = (end - start).days + 1
        hours = days * 2 * rule.hours_per_half_day
        explanation = (
            f"{start.isoformat()} 至 {end.isoformat()} 共 {days} 天 × 2 个半天 × "
            f"{fmt(rule.hours_per_half_day)} 学时 = {fmt(hours)} 学时"
        )
        editable = rule.manual_override
        claimed = _as_decimal(inputs.get("hours_claimed"))
        if rule.manual_override and claimed is not None and claimed != hours:
            explanation += f"；申报人按实际情况改填为 {fmt(claimed)} 学时"
            hours = claimed
    elif isinstance(rule, ManualRule):
        hours = _as_decimal(inputs.get("hours_claimed")) or Decimal(0)
        explanation = f"申报人填写 {fmt(hours)} 学时"
        editable = True
    else:
        hours, explanation = _pro_rata(rule, inputs)

    hours = max(hours, Decimal(0))
    if rule.max_hours_per_item is not None and hours > rule.max_hours_per_item:
        hours = rule.max_hours_per_item
        explanation += f"；超过单项上限，按 {fmt(hours)} 学时计"
    hours, explanation = _apply_yearly_cap(
        profile_version, category_code, rule, inputs, hours, explanation
    )
    return HoursResult(hours=_tidy(hours), explanation=explanation, editable=editable)


def _tidy(hours: Decimal) -> Decimal:
    return Decimal(fmt(hours))


def _share_input(rule: ProRataRule, inputs: ClaimFacts) -> tuple[str, int, str]:
    """(input name, length of the year, unit) of a pro-rata rule."""
    if rule.basis == "months":
        return rule.input_name, 12, "个月"
    return rule.input_name, _year_length(inputs), "天"


def _pro_rata(rule: ProRataRule, inputs: ClaimFacts) -> tuple[Decimal, str]:
    name, period, unit = _share_input(rule, inputs)
    share = _as_decimal(inputs.get(name)) or Decimal(0)
    exact = rule.required_hours * share / period
    hours = exact.quantize(HOURS_STEP, rounding=ROUND_HALF_UP)
    approx = "" if hours == exact else "≈ "
    what = "休假" if rule.counts == "leave" else "在岗"
    explanation = (
        f"{fmt(rule.required_hours)} 学时 × {what} {fmt(share)}/{period} {unit} = "
        f"{approx}{fmt(hours)} 学时"
    )
    return hours, explanation


def _apply_yearly_cap(
    version: ProfileVersion,
    category_code: str,
    rule: Rule,
    inputs: ClaimFacts,
    hours: Decimal,
    explanation: str,
) -> tuple[Decimal, str]:
    caps = [version.yearly_cap_for(category_code)]
    if isinstance(rule, ManualRule):
        caps.append(rule.max_hours_per_year)
    present = [cap for cap in caps if cap is not None]
    if not present:
        return hours, explanation
    cap = min(present)
    already = max(_as_decimal(inputs.get("hours_already_this_year")) or Decimal(0), Decimal(0))
    room = max(cap - already, Decimal(0))
    if hours > room:
        explanation += (
            f"；本类别年度上限 {fmt(cap)} 学时，本年度已有 {fmt(already)} 学时，"
            f"本项按 {fmt(room)} 学时计"
        )
        hours = room
    return hours, explanation


# --- the validator ---------------------------------------------------------------------------


def validate_declaration_inputs(
    profile_version: ProfileVersion, category_code: str, inputs: ClaimFacts | Mapping[str, Any]
) -> dict[str, list[str]]:
    """Field name → Chinese error messages; empty when the inputs may be saved."""
    inputs = as_facts(category_code, inputs)
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        if message not in errors.get(name, []):
            errors.setdefault(name, []).append(message)

    try:
        leaf = profile_version.leaf(category_code)
    except KeyError:
        return {"category": ["请选择有效的申报类型"]}

    levels = leaf.category.levels
    level_code = inputs.get("level")
    if _blank(level_code):
        if len(levels) == 1:
            level_code = levels[0].code
        else:
            add("level", "请选择申报等级")
    elif level_code not in {level.code for level in levels}:
        add("level", "请选择有效的申报等级")
        level_code = None

    rule = (
        profile_version.rule_for(category_code, str(level_code))
        if level_code and "level" not in errors
        else None
    )
    computed = rule is not None and not isinstance(rule, ManualRule)

    for name, spec, required in profile_version.fields_for(category_code):
        value = inputs.get(name)
        if _blank(value) or value is False:
            # Computed hours are filled by the calculator, not typed.
            if required and not (name == "hours_claimed" and computed):
                verb = {"boolean": "请勾选", "choice": "请选择", "planned_training": "请选择"}.get(
                    spec.type, "请填写"
                )
                add(name, f"{verb}{spec.label}")
            continue
        for message in _field_errors(spec, value):
            add(name, message)

    if rule is not None:
        for name, messages in _rule_errors(profile_version, category_code, rule, inputs).items():
            for message in messages:
                add(name, message)

    _attachment_errors(profile_version, category_code, inputs, add)

    pledge = profile_version.pledge
    if pledge is not None and pledge.required and inputs.get("pledge") is not True:
        add("pledge", f"请勾选“{pledge.text}”")
    return errors


def _field_errors(spec: FieldSpec, value: object) -> list[str]:
    messages: list[str] = []
    if spec.type in TEXT_FIELD_TYPES:
        text = str(value).strip()
        if spec.type == "rich_text":  # the limit counts what is read, not the markup
            text = html.unescape(nh3.clean(text, tags=set())).strip()
        if spec.max_length is not None and len(text) > spec.max_length:
            messages.append(f"{spec.label}最多 {spec.max_length} 个字")
        if spec.type == "choice" and spec.choices and text not in spec.choices:
            messages.append(f"{spec.label}请从列表中选择")
    elif spec.type == "planned_training":
        if _as_int(value) is None:
            messages.append(f"请选择{spec.label}")
    elif spec.type == "date":
        if _as_date(value) is None:
            messages.append(f"{spec.label}不是有效日期")
    elif spec.type in ("integer", "decimal", "year"):
        number = _as_decimal(value)
        if number is None or (spec.type != "decimal" and number != number.to_integral_value()):
            messages.append(f"{spec.label}应为{'数字' if spec.type == 'decimal' else '整数'}")
            return messages
        if spec.max_digits is not None and len(str(abs(int(number)))) > spec.max_digits:
            messages.append(f"{spec.label}最多 {spec.max_digits} 位数")
        if spec.min_value is not None and number < spec.min_value:
            messages.append(f"{spec.label}不能小于 {fmt(spec.min_value)}")
        if spec.max_value is not None and number > spec.max_value:
            messages.append(f"{spec.label}不能大于 {fmt(spec.max_value)}")
    return messages


def _attachment_errors(
    version: ProfileVersion, category_code: str, inputs: ClaimFacts, add: Any
) -> None:
    rules = version.attachments_for(category_code)
    count = _as_int(inputs.get("attachment_count")) or 0
    declared_by = str(inputs.get("declared_by") or "professional")
    if count == 0 and version.materials_required_for(category_code, declared_by):
        materials = version.materials_for(category_code)
        noun = rules.label
        add("attachments", f"请上传{noun}（{materials}）" if materials else f"请上传{noun}")
    for problem in upload_problems(
        rules,
        count=count,
        sizes=inputs.get("attachment_sizes") or (),
        kinds=[str(kind) for kind in inputs.get("attachment_kinds") or ()],
    ):
        add("attachments", problem)


def describe_rule(rule: Rule) -> str:
    """The rule in words, for the profile page and the form's help text."""
    if isinstance(rule, PerUnitRule):
        text = f"每{rule.unit} {fmt(rule.per_unit_hours)} 学时 × 数量（学时系数）"
        if rule.max_quantity is not None:
            text += f"，最多 {rule.max_quantity} {rule.unit}"
    elif isinstance(rule, FixedRule):
        text = f"每项 {fmt(rule.hours)} 学时"
    elif isinstance(rule, DateRangeRule):
        text = f"起止日期（含首尾）每半天 {fmt(rule.hours_per_half_day)} 学时"
        text += "，可按实际情况手动修改" if rule.manual_override else "，不可手动修改"
    elif isinstance(rule, ManualRule):
        text = "申报人填写学时，审核确认"
        if rule.max_hours_per_year is not None:
            text += f"，每年最多 {fmt(rule.max_hours_per_year)} 学时"
    else:
        period = "12 个月" if rule.basis == "months" else "全年天数"
        what = "休假时间（以证明材料为准）" if rule.counts == "leave" else "在岗时间"
        text = f"{fmt(rule.required_hours)} 学时 × {what} / {period}"
    if rule.max_hours_per_item is not None:
        text += f"，单项最多 {fmt(rule.max_hours_per_item)} 学时"
    if rule.note:
        text += f"（{rule.note}）"
    return text
