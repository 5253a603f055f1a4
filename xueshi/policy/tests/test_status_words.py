"""Status words and reviewer outcomes as profile data (issue 13 items 1 and 2): the bundled
profiles say what the seeds say, and check_profiles refuses an inconsistent profile."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from xueshi.policy.loader import get_profile
from xueshi.policy.words import level_outcomes, region_word, status_word

PROFILES = Path(settings.BASE_DIR) / "profiles"


def _version_date(key: str):
    return get_profile(key).versions[-1].effective_from


def test_zhejiang_words_follow_the_chain_position() -> None:
    key, when = "zhejiang_construction", _version_date("zhejiang_construction")
    # “未提交数据的审核状态为个人保存”；“提交后审核状态显示个人上报”
    assert status_word(key, when, "draft") == "个人保存"
    assert status_word(key, when, "pending", "enterprise") == "个人上报"
    # “企业审核通过推送至省级审核”: pending at the provincial level after the enterprise
    assert status_word(key, when, "pending", "provincial") == "企业审核通过"
    # “企业审核状态分为企业审核通过和企业审核不通过两种”；“省级审核分为终审通过和省级审核不通过”
    assert status_word(key, when, "returned", "enterprise") == "企业审核不通过"
    assert status_word(key, when, "rejected", "provincial") == "省级审核不通过"
    assert status_word(key, when, "approved") == "终审通过"


def test_henan_and_anyang_words_and_the_defaults() -> None:
    henan = _version_date("henan")
    # “可通过全部、待提交、待审核、审核通过、审核不通过进行筛选查看”
    assert [status_word("henan", henan, s) for s in ("draft", "pending")] == ["待提交", "待审核"]
    assert status_word("henan", henan, "approved") == "审核通过"
    assert status_word("henan", henan, "rejected") == "审核不通过"
    anyang = _version_date("anyang")
    # “申报状态最开始为学员已提交，会经历单位审核、管理单位审核、协会审核等阶段”
    assert status_word("anyang", anyang, "pending", "unit") == "学员已提交"
    assert status_word("anyang", anyang, "pending", "association") == "待审核"
    # Where a region names nothing, the platform's words; an unknown profile too.
    assert status_word("guangxi", _version_date("guangxi"), "approved") == "通过认定"
    assert status_word("nowhere", anyang, "returned") == "已退回"
    assert region_word("guangxi", _version_date("guangxi"), "approved") == ""
    assert region_word("henan", henan, "approved") == "审核通过"


def test_anyang_levels_only_approve_or_return() -> None:
    # “可以进行审核和退回操作”；“可以对下级单位管理员已经审核的申报学时进行审核、退回、查看”
    when = _version_date("anyang")
    for level in ("unit", "managing_unit", "association"):
        assert level_outcomes("anyang", when, level) == ("approve", "return")
    assert level_outcomes("guangxi", _version_date("guangxi"), "unit") == (
        "approve",
        "return",
        "reject",
    )


def _broken(tmp_path: Path, change) -> str:
    data = yaml.safe_load((PROFILES / "anyang.yaml").read_text(encoding="utf-8"))
    change(data["versions"][0])
    path = tmp_path / "anyang.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("check_profiles", str(path), stdout=_Sink(), stderr=(err := _Sink()))
    return err.text


class _Sink:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


@pytest.mark.parametrize(
    ("change", "where", "reason"),
    [
        (
            lambda v: v["review"]["levels"][0].update(outcomes=["approve", "refuse"]),
            "review.levels[0].outcomes",
            "refuse",
        ),
        (
            lambda v: v["review"]["levels"][0].update(outcomes=["return"]),
            "review.levels[0].outcomes",
            "必须包含 approve",
        ),
        (
            lambda v: v["status_words"]["levels"].update(county={"pending": "已提交"}),
            "status_words.levels.county",
            "未定义的审核级别 'county'",
        ),
        (
            # Anyang's unit level has no 不予认定: a word for it is a mistake.
            lambda v: v["status_words"]["levels"]["unit"].update(rejected="单位审核不通过"),
            "status_words.levels.unit.rejected",
            "没有“不予认定”结论",
        ),
        (
            lambda v: v["status_words"].update(waiting="等待"),
            "status_words.waiting",
            "",
        ),
    ],
)
def test_check_profiles_refuses_inconsistent_words_and_outcomes(
    tmp_path: Path, change, where: str, reason: str
) -> None:
    report = _broken(tmp_path, change)
    assert where in report and reason in report
