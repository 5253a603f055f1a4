"""Properties of each rule kind, over generated inputs: never negative, caps respected, dates
counted in half-days across month and year ends."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xueshi.policy.hours import (
    HoursInputError,
    calculate_hours,
    fmt,
    validate_declaration_inputs,
)
from xueshi.policy.schema import ProfileVersion

# A small version built in code with one category per rule kind and its caps.
VERSION = ProfileVersion.model_validate(
    {
        "effective_from": "2020-01-01",
        "fields": {
            "quantity": {"label": "学时系数", "type": "integer"},
            "start_date": {"label": "开始时间", "type": "date"},
            "end_date": {"label": "结束时间", "type": "date"},
            "hours_claimed": {"label": "申请学时", "type": "decimal"},
            "months_on_duty": {"label": "在岗月数", "type": "decimal"},
            "days_on_duty": {"label": "在岗天数", "type": "integer"},
            "credit_year": {"label": "计入年度", "type": "year"},
        },
        "default_fields": ["quantity", "start_date", "end_date", "hours_claimed"],
        "categories": [
            {
                "code": "courses",
                "name": "课程",
                "levels": [
                    {
                        "code": "course",
                        "name": "每门 15 学时，最多 90",
                        "rule": {
                            "kind": "per_unit",
                            "per_unit_hours": 15,
                            "unit": "门",
                            "max_hours_per_item": 90,
                        },
                    }
                ],
            },
            {
                "code": "papers",
                "name": "论文",
                "yearly_cap_hours": 30,
                "levels": [
                    {"code": "first", "name": "第一作者", "rule": {"kind": "fixed", "hours": 12}}
                ],
            },
            {
                "code": "training",
                "name": "培训",
                "levels": [{"code": "dates", "name": "按日期", "rule": {"kind": "date_range"}}],
            },
            {
                "code": "activity",
                "name": "活动",
                "levels": [
                    {
                        "code": "dates",
                        "name": "按日期可改",
                        "rule": {
                            "kind": "date_range",
                            "manual_override": True,
                            "max_hours_per_item": 48,
                        },
                    }
                ],
            },
            {
                "code": "other",
                "name": "其他",
                "levels": [
                    {
                        "code": "typed",
                        "name": "手填",
                        "rule": {
                            "kind": "manual",
                            "max_hours_per_item": 40,
                            "max_hours_per_year": 60,
                        },
                    }
                ],
            },
            {
                "code": "leave",
                "name": "产假",
                "fields": ["months_on_duty"],
                "levels": [
                    {
                        "code": "maternity",
                        "name": "生育",
                        "rule": {"kind": "pro_rata", "required_hours": 66},
                    }
                ],
            },
            {
                "code": "leave_days",
                "name": "病假",
                "fields": ["days_on_duty", "credit_year"],
                "levels": [
                    {
                        "code": "sick",
                        "name": "病假",
                        "rule": {"kind": "pro_rata", "required_hours": 60, "basis": "days"},
                    }
                ],
            },
        ],
        "attachments": {"kinds": ["jpg"]},
        "requirement": {"total_hours": 90},
        "review": {
            "levels": [{"code": "unit", "name": "单位审核", "organization_kind": "unit"}],
            "chain": ["unit"],
        },
        "declarants": ["professional"],
        "windows": {"declaring": {"credit_years": ["current"]}},
    }
)

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2035, 12, 31))
hours_typed = st.decimals(min_value=Decimal("0.5"), max_value=Decimal(999), places=1)
junk = st.sampled_from(["", " ", "abc", "2020-13-01", "1.5", "-0", None])
already = st.decimals(min_value=Decimal(0), max_value=Decimal(200), places=1)


@given(quantity=st.integers(min_value=1, max_value=500))
def test_per_unit_is_hours_times_quantity_up_to_the_cap(quantity: int) -> None:
    result = calculate_hours(VERSION, "courses", "course", {"quantity": quantity})
    assert result.hours == min(15 * quantity, 90)
    assert result.hours >= 0
    assert f"15 学时/门 × {quantity} 门" in result.explanation


@given(quantity=st.one_of(st.integers(max_value=0), st.just("1.5"), st.just("abc"), st.none()))
def test_per_unit_refuses_a_quantity_that_is_not_a_positive_whole_number(quantity: object) -> None:
    with pytest.raises(HoursInputError) as excinfo:
        calculate_hours(VERSION, "courses", "course", {"quantity": quantity})
    assert "quantity" in excinfo.value.errors


@given(already_this_year=already)
def test_fixed_respects_the_category_yearly_cap(already_this_year: Decimal) -> None:
    result = calculate_hours(
        VERSION, "papers", "first", {"hours_already_this_year": already_this_year}
    )
    assert 0 <= result.hours <= 12
    assert result.hours + already_this_year <= max(Decimal(30), already_this_year)


@given(start=dates, length=st.integers(min_value=0, max_value=400))
def test_date_range_counts_two_half_days_a_day_inclusive(start: date, length: int) -> None:
    end = start + timedelta(days=length)
    result = calculate_hours(VERSION, "training", "dates", {"start_date": start, "end_date": end})
    assert result.hours == (length + 1) * 2 * 4
    assert result.editable is False
    assert f"共 {length + 1} 天 × 2 个半天 × 4 学时" in result.explanation


@given(start=dates, length=st.integers(min_value=1, max_value=400))
def test_date_range_end_before_start_is_refused(start: date, length: int) -> None:
    inputs = {"start_date": start, "end_date": start - timedelta(days=length)}
    assert validate_declaration_inputs(VERSION, "training", inputs)["end_date"] == [
        "结束时间不能早于开始时间"
    ]
    with pytest.raises(HoursInputError):
        calculate_hours(VERSION, "training", "dates", inputs)


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        (date(2020, 12, 31), date(2021, 1, 1), 16),  # across a year end
        (date(2020, 1, 31), date(2020, 2, 1), 16),  # across a month end
        (date(2020, 2, 28), date(2020, 3, 1), 24),  # 2020 is a leap year: 28, 29 Feb, 1 Mar
        (date(2021, 2, 28), date(2021, 3, 1), 16),
        (date(2020, 5, 4), date(2020, 5, 4), 8),  # one day is two half-days
    ],
)
def test_date_range_across_month_and_year_ends(start: date, end: date, hours: int) -> None:
    result = calculate_hours(VERSION, "training", "dates", {"start_date": start, "end_date": end})
    assert result.hours == hours


@given(
    start=dates,
    length=st.integers(min_value=0, max_value=60),
    typed=st.one_of(st.none(), hours_typed),
)
def test_date_range_with_override_takes_the_typed_figure_within_the_cap(
    start: date, length: int, typed: Decimal | None
) -> None:
    inputs: dict[str, object] = {"start_date": start, "end_date": start + timedelta(days=length)}
    if typed is not None:
        inputs["hours_claimed"] = typed
    result = calculate_hours(VERSION, "activity", "dates", inputs)
    expected = typed if typed is not None else Decimal((length + 1) * 8)
    assert result.hours == min(expected, Decimal(48))
    assert result.hours >= 0
    assert result.editable is True


@given(typed=hours_typed, already_this_year=already)
def test_manual_respects_per_item_and_yearly_caps(
    typed: Decimal, already_this_year: Decimal
) -> None:
    result = calculate_hours(
        VERSION,
        "other",
        "typed",
        {"hours_claimed": typed, "hours_already_this_year": already_this_year},
    )
    assert 0 <= result.hours <= min(typed, Decimal(40))
    assert result.hours <= max(Decimal(60) - already_this_year, Decimal(0))
    assert result.editable is True


@given(typed=st.decimals(min_value=Decimal(-1000), max_value=Decimal(0), places=1))
def test_manual_refuses_zero_or_negative_hours(typed: Decimal) -> None:
    errors = validate_declaration_inputs(VERSION, "other", {"hours_claimed": typed})
    assert errors["hours_claimed"] == ["申请学时必须大于 0"]


@given(typed=st.decimals(min_value=Decimal("40.1"), max_value=Decimal(999), places=1))
def test_manual_over_the_item_cap_is_a_field_error(typed: Decimal) -> None:
    errors = validate_declaration_inputs(VERSION, "other", {"hours_claimed": typed})
    assert errors["hours_claimed"] == ["申请学时单项最多 40 学时"]


@given(months=st.decimals(min_value=Decimal(0), max_value=Decimal(12), places=1))
def test_pro_rata_months_is_a_share_of_the_requirement(months: Decimal) -> None:
    result = calculate_hours(VERSION, "leave", "maternity", {"months_on_duty": months})
    assert 0 <= result.hours <= 66
    assert abs(result.hours - Decimal(66) * months / 12) <= Decimal("0.05")


@given(
    days=st.integers(min_value=0, max_value=366), year=st.integers(min_value=2000, max_value=2035)
)
def test_pro_rata_days_never_exceeds_the_requirement(days: int, year: int) -> None:
    length = 366 if year % 4 == 0 else 365
    inputs = {"days_on_duty": min(days, length), "credit_year": year}
    result = calculate_hours(VERSION, "leave_days", "sick", inputs)
    assert 0 <= result.hours <= 60
    assert f"/{length} 天" in result.explanation


@given(
    months=st.one_of(
        st.decimals(min_value=Decimal("12.1"), max_value=Decimal(100), places=1), st.just(-1)
    )
)
def test_pro_rata_refuses_time_outside_the_year(months: Decimal) -> None:
    errors = validate_declaration_inputs(VERSION, "leave", {"months_on_duty": months})
    assert errors["months_on_duty"] == ["在岗月数应在 0 到 12 个月之间"]


@settings(max_examples=50)
@given(
    category=st.sampled_from([leaf.code for leaf in VERSION.leaf_categories()]),
    inputs=st.fixed_dictionaries(
        {},
        optional={
            "quantity": st.one_of(st.integers(-5, 50), junk),
            "start_date": st.one_of(dates, junk),
            "end_date": st.one_of(dates, junk),
            "hours_claimed": st.one_of(st.integers(-10, 2000).map(Decimal), junk),
            "months_on_duty": st.integers(-2, 14).map(Decimal),
            "days_on_duty": st.integers(-2, 400),
            "hours_already_this_year": already,
        },
    ),
)
def test_any_inputs_give_hours_that_are_not_negative_or_field_errors(
    category: str, inputs: dict[str, object]
) -> None:
    level = VERSION.leaf(category).category.levels[0].code
    errors = validate_declaration_inputs(VERSION, category, inputs)
    try:
        result = calculate_hours(VERSION, category, level, inputs)
    except HoursInputError as exc:
        # Whatever stops the calculator is also what the validator reports.
        assert set(exc.errors) <= set(errors)
    else:
        assert result.hours >= 0
        # The sentence states the hours it arrives at (after any cap), in 学时.
        assert f"{fmt(result.hours)} 学时" in result.explanation
