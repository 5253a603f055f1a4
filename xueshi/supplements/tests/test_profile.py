"""The 增补 keys of a profile (`windows.supplement`): Zhejiang's from seed 003, and
check_profiles refusing inconsistent values."""

from __future__ import annotations

import datetime
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.core.management import CommandError, call_command

from xueshi.policy.loader import get_profile
from xueshi.supplements.rules import WindowState

PROFILES = Path(settings.BASE_DIR) / "profiles"


def zhejiang() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        (PROFILES / "zhejiang_construction.yaml").read_text(encoding="utf-8")
    )
    return data


def check(tmp_path: Path, data: dict[str, Any]) -> str:
    path = tmp_path / "zhejiang_construction.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("check_profiles", str(path), stdout=StringIO(), stderr=err)
    return err.getvalue()


def test_zhejiang_window_words_and_chain_follow_seed_003() -> None:
    """Seed 003: "每年1月1日-20日对上一年度专技人员继续教育学时进行一次补登记"."""
    version = get_profile("zhejiang_construction").versions[0]
    supplement = version.windows.supplement
    assert supplement is not None
    assert supplement.dates_in(2027) == (datetime.date(2027, 1, 1), datetime.date(2027, 1, 20))
    words = supplement.words
    assert (words.request, words.send, words.cancel) == ("增补申请", "提交申请", "撤销增补")
    assert (words.agree, words.refuse) == ("同意增补", "拒绝增补")
    assert (words.draft, words.pending, words.approved, words.rejected) == (
        "已申请",
        "个人申请中",
        "同意",
        "不同意",
    )
    assert (words.handled, words.unhandled) == ("已处理", "未处理")
    window = WindowState("zhejiang_construction", version, datetime.date(2027, 1, 20))
    assert window.open and window.credit_year == 2026
    assert not WindowState("zhejiang_construction", version, datetime.date(2026, 12, 31)).open


def test_a_window_closing_before_it_opens_is_refused(tmp_path: Path) -> None:
    data = zhejiang()
    data["versions"][0]["windows"]["supplement"]["opens"] = "12-31"  # to 01-20: across a year
    assert "windows.supplement.closes" in check(tmp_path, data)


def test_consent_needs_a_unit_level(tmp_path: Path) -> None:
    data = zhejiang()
    version = data["versions"][0]
    version["review"]["levels"] = [
        level for level in version["review"]["levels"] if level["organization_kind"] != "unit"
    ]
    version["review"]["chain"] = ["provincial"]
    version["windows"]["supplement"]["chain"] = ["hours_office", "provincial_filing"]
    version["status_words"]["levels"].pop("enterprise")
    message = check(tmp_path, data)
    assert "windows.supplement.needs_unit_consent" in message


def test_two_request_states_with_one_word_are_refused(tmp_path: Path) -> None:
    data = zhejiang()
    data["versions"][0]["windows"]["supplement"]["words"]["approved"] = "已申请"
    assert "windows.supplement.words" in check(tmp_path, data)


def test_a_profile_without_words_gets_seed_003s_words(tmp_path: Path) -> None:
    data = zhejiang()
    data["versions"][0]["windows"]["supplement"].pop("words")
    path = tmp_path / "zhejiang_construction.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    call_command("check_profiles", str(path))
