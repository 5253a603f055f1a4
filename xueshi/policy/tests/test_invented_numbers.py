"""Doubtful invented numbers (issue 13 item 7): where a seed is silent the profile says so and
sets no cap (the reviewers decide), or cites its source."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from xueshi.policy.hours import calculate_hours
from xueshi.policy.resolver import resolve_version
from xueshi.policy.schema import ManualRule, ProRataRule

TODAY = datetime.date(2026, 6, 1)


@pytest.mark.parametrize("key", ["anyang", "henan", "zhejiang_construction"])
def test_typed_hours_have_no_invented_per_item_cap(key):
    """No seed gives a per-item figure for typed hours; a 60 was invented and is gone."""
    version = resolve_version(key, TODAY)
    manual = [
        (leaf.code, level.code, version.rule_for(leaf.code, level.code))
        for leaf in version.leaf_categories()
        for level in leaf.category.levels
        if isinstance(version.rule_for(leaf.code, level.code), ManualRule)
    ]
    assert manual
    for code, level, rule in manual:
        assert rule.max_hours_per_item is None, (code, level)
        assert "种子未规定" in rule.note, (code, level)


def test_anyang_self_study_plan_earns_what_the_reviewers_grant():
    """ "18上报下一年度专业科目自学计划": the seed names it and gives no hours."""
    version = resolve_version("anyang", TODAY)
    result = calculate_hours(
        version, "self_study_plan", "plan_submitted", {"hours_claimed": Decimal(80)}
    )
    assert result.hours == 80  # no "up to 60"


def test_anyang_leave_base_is_henans_66_from_seed_001():
    """Seed 001, the same form 15: "如需申报66个学时，休半年产假可折算33个学时"."""
    rule = resolve_version("anyang", TODAY).rule_for("leave_or_abroad", "maternity")
    assert isinstance(rule, ProRataRule)
    assert rule.required_hours == 66
    henan = resolve_version("henan", TODAY).rule_for("leave_or_abroad", "maternity")
    assert isinstance(henan, ProRataRule) and henan.required_hours == rule.required_hours
