"""The profile key `certificate` (number_prefix, title, photo): Guangxi and Xinjiang issue
certificates (seeds 002 and 004), the other regions' seeds show none; check_profiles refuses a
bad prefix, a prefix that changes between versions, and two regions sharing one."""

from __future__ import annotations

import copy
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from xueshi.policy.loader import ProfileError, load_profile_file, profiles_dir
from xueshi.policy.resolver import resolve_version


def test_guangxi_and_xinjiang_issue_certificates_the_others_none():
    guangxi = resolve_version("guangxi", credit_year=2025).certificate
    xinjiang = resolve_version("xinjiang", credit_year=2025).certificate
    assert guangxi is not None and guangxi.title == "继续教育合格证书" and not guangxi.photo
    # Seed 004's certificate carries a one-inch photo (一寸照).
    assert xinjiang is not None and xinjiang.photo
    assert guangxi.number_prefix != xinjiang.number_prefix
    for key in ("anyang", "henan", "zhejiang_construction"):
        assert resolve_version(key, credit_year=2025).certificate is None


def _guangxi(tmp_path: Path) -> tuple[dict, Path]:
    data = yaml.safe_load((profiles_dir() / "guangxi.yaml").read_text(encoding="utf-8"))
    return data, tmp_path / "guangxi.yaml"


def _write(data: dict, path: Path) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_lowercase_or_long_prefix_is_refused(tmp_path):
    data, path = _guangxi(tmp_path)
    data["versions"][0]["certificate"]["number_prefix"] = "gx-1"
    with pytest.raises(ProfileError, match=r"certificate\.number_prefix"):
        load_profile_file(_write(data, path))


def test_a_prefix_that_changes_between_versions_is_refused(tmp_path):
    data, path = _guangxi(tmp_path)
    later = copy.deepcopy(data["versions"][0])
    later["effective_from"] = date(2026, 1, 1)
    later["certificate"]["number_prefix"] = "GXX"
    data["versions"].append(later)
    with pytest.raises(ProfileError, match="同一地区的证书编号应属同一序列"):
        load_profile_file(_write(data, path))


def test_two_regions_sharing_a_prefix_are_refused(tmp_path, capsys):
    for path in profiles_dir().glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    data = yaml.safe_load((tmp_path / "xinjiang.yaml").read_text(encoding="utf-8"))
    data["versions"][0]["certificate"]["number_prefix"] = "GX"
    _write(data, tmp_path / "xinjiang.yaml")
    with pytest.raises(CommandError):
        call_command("check_profiles", str(tmp_path))
    assert "证书编号前缀 'GX' 已由 guangxi.yaml 使用" in capsys.readouterr().err
