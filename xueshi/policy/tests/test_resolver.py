"""The one rules resolver: the version in force, and one stated fallback for earlier dates."""

from __future__ import annotations

import copy
import datetime
import shutil
from pathlib import Path

import pytest
import yaml
from django.core.exceptions import ValidationError

from xueshi.orgs.selectors import unit_policy_version
from xueshi.policy.loader import profiles_dir, reload_profiles
from xueshi.policy.resolver import category_name, resolve_version, try_resolve_version


class Unit:
    """Anything with effective_policy_profile() (an Organization in the app)."""

    def __init__(self, key: str) -> None:
        self.key = key

    def effective_policy_profile(self) -> str:
        return self.key


@pytest.fixture
def henan_two_versions(settings, tmp_path: Path) -> None:
    """Henan with a second version from 2024 that renames the leave category."""
    for path in profiles_dir().glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    data = yaml.safe_load((tmp_path / "henan.yaml").read_text(encoding="utf-8"))
    newer = copy.deepcopy(data["versions"][0])
    newer["effective_from"] = datetime.date(2024, 1, 1)
    for category in newer["categories"]:
        if category["code"] == "leave_or_abroad":
            category["code"] = "leave"
    data["versions"].append(newer)
    (tmp_path / "henan.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    settings.POLICY_PROFILES_DIR = tmp_path
    reload_profiles()


def test_the_version_in_force_and_the_oldest_before_the_first(henan_two_versions) -> None:
    first = resolve_version("henan", datetime.date(2014, 1, 1))
    second = resolve_version("henan", datetime.date(2024, 3, 1))
    assert (first.effective_from, second.effective_from) == (
        datetime.date(2014, 1, 1),
        datetime.date(2024, 1, 1),
    )
    assert resolve_version("henan", credit_year=2020) is first
    # Before any recorded version: the oldest (the one fallback), for every caller.
    assert resolve_version("henan", datetime.date(2010, 5, 1)) is first
    assert resolve_version(Unit("henan"), datetime.date(2010, 5, 1)) is first
    # The unit's declaring window used to fall back to the newest here.
    assert unit_policy_version(Unit("henan"), datetime.date(2010, 5, 1)) is first  # type: ignore[arg-type]


def test_no_profile_is_a_message_not_a_crash() -> None:
    with pytest.raises(ValidationError):
        resolve_version(Unit(""), datetime.date(2025, 1, 1))
    with pytest.raises(ValidationError):
        resolve_version("atlantis", datetime.date(2025, 1, 1))
    assert try_resolve_version("atlantis", credit_year=2025) is None


def test_category_names_by_the_claims_own_version(henan_two_versions) -> None:
    first = resolve_version("henan", datetime.date(2014, 1, 1))
    second = resolve_version("henan", datetime.date(2024, 3, 1))
    old_name = first.leaf("leave_or_abroad").full_name
    assert category_name(first, "leave_or_abroad", "henan") == old_name
    # The newer version renamed it: an old claim still finds its name through its profile.
    assert category_name(second, "leave_or_abroad", "henan") == old_name
    assert category_name(second, "gone", "henan") == "未知类型（gone）"
