"""The profile key `yearly_application`: check_profiles refuses inconsistent values."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from xueshi.policy.schema import PolicyProfile, semantic_issues

XINJIANG = Path(settings.BASE_DIR) / "profiles" / "xinjiang.yaml"


def issues_after(change) -> list[tuple[str, str]]:
    data = yaml.safe_load(XINJIANG.read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    change(data["versions"][0])
    return semantic_issues(PolicyProfile.model_validate(data))


def test_xinjiang_profile_has_the_application_on_and_is_consistent():
    assert issues_after(lambda v: None) == []


def test_other_profiles_leave_it_off():
    for key in ("anyang", "henan", "guangxi", "zhejiang_construction"):
        data = yaml.safe_load((XINJIANG.parent / f"{key}.yaml").read_text(encoding="utf-8"))
        profile = PolicyProfile.model_validate(data)
        assert not profile.versions[-1].yearly_application.enabled


@pytest.mark.parametrize(
    ("change", "where", "reason"),
    [
        (
            lambda v: v["requirement"].pop("application_threshold_hours"),
            "yearly_application.enabled",
            "application_threshold_hours",
        ),
        (
            lambda v: v["yearly_application"]["sections"].append("nonexistent"),
            "yearly_application.sections[9]",
            "未定义的类别",
        ),
        (
            lambda v: v["yearly_application"]["declaring_regions"][1].update(tier="county"),
            "yearly_application.declaring_regions[1].tier",
            "未定义的申报区域层级",
        ),
        (
            lambda v: v["yearly_application"]["contacts"].pop("prefecture"),
            "yearly_application.contacts",
            "缺少层级 'prefecture'",
        ),
        (
            lambda v: v["yearly_application"]["certifiers"][0].update(series=["卫生系列"]),
            "yearly_application.certifiers[0].series[0]",
            "未定义的职称系列",
        ),
        (
            lambda v: v["yearly_application"]["certifiers"][0].update(regions=["hainan"]),
            "yearly_application.certifiers[0].regions[0]",
            "未定义的申报区域",
        ),
        (
            lambda v: v["yearly_application"].update(outcomes=["return"]),
            "yearly_application.outcomes",
            "approve",
        ),
    ],
)
def test_check_profiles_refuses_inconsistent_application_keys(change, where, reason):
    issues = issues_after(change)
    assert any(path.endswith(where) and reason in text for path, text in issues), issues
