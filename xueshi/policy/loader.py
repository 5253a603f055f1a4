"""Loading policy profiles: read, validate, cache, and pick the version in force.

Each ``profiles/<key>.yaml`` is read and validated as a whole. A file with any error is not
loaded at all — no half-loaded profile ever reaches a declaration — and every error is reported
with the file, the key path (``versions[0].categories[3].levels[0].rule.per_unit_hours``) and
the reason. Profiles are loaded once per process; ``reload_profiles()`` drops the cache (tests,
or after an administrator edits a file).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.signals import setting_changed
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from .schema import RULE_KINDS, PolicyProfile, ProfileVersion, semantic_issues

logger = logging.getLogger(__name__)

PROFILE_SUFFIX = ".yaml"


def profiles_dir() -> Path:
    default = Path(settings.BASE_DIR) / "profiles"
    return Path(getattr(settings, "POLICY_PROFILES_DIR", default))


@dataclass(frozen=True)
class ProfileIssue:
    file: str
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.reason}"


class ProfileError(Exception):
    """A profile file that cannot be used; carries every problem found in it."""

    def __init__(self, issues: list[ProfileIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))


class ProfileNotFound(LookupError):
    pass


class NoVersionInForce(LookupError):
    pass


# --- reading one file ------------------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key written twice in one mapping (PyYAML keeps the last)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)  # resolve "<<: *anchor" merges first; they may repeat keys
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(
                None, None, f"键 {key!r} 重复 / duplicate key", mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def format_location(loc: tuple[int | str, ...]) -> str:
    """('versions', 0, 'categories', 3, 'rule', 'per_unit', 'hours') → versions[0]…rule.hours"""
    parts: list[str] = []
    previous: int | str | None = None
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif previous == "rule" and item in RULE_KINDS:
            pass  # the union's tag, not a key in the file
        elif item.startswith("function-"):
            pass  # a BeforeValidator's frame
        else:
            parts.append(f".{item}" if parts else item)
        previous = item
    return "".join(parts) or "(文件顶层)"


_REASONS = {
    "missing": "缺少必填项 / missing",
    "extra_forbidden": "未知的键（拼写错误？）/ unknown key",
    "greater_than_equal": "不能为负数 / must not be negative",
    "greater_than": "必须大于 0 / must be greater than 0",
    "too_short": "不能为空 / must not be empty",
    "string_too_short": "不能为空 / must not be empty",
    "string_too_long": "太长 / too long",
    "string_pattern_mismatch": "代码只能用小写字母、数字和下划线，以字母开头 / bad code",
    "literal_error": "取值不在允许范围内 / not one of the allowed values",
    "date_from_datetime_parsing": "日期格式应为 YYYY-MM-DD / bad date",
    "date_parsing": "日期格式应为 YYYY-MM-DD / bad date",
    "date_type": "应为日期 YYYY-MM-DD / expected a date",
    "decimal_parsing": "应为数字 / expected a number",
    "decimal_type": "应为数字 / expected a number",
    "decimal_max_places": "小数位太多 / too many decimal places",
    "int_parsing": "应为整数 / expected an integer",
    "int_from_float": "应为整数 / expected an integer",
    "int_type": "应为整数 / expected an integer",
    "bool_parsing": "应为 true 或 false / expected a boolean",
    "bool_type": "应为 true 或 false / expected a boolean",
    "list_type": "应为列表 / expected a list",
    "dict_type": "应为映射 / expected a mapping",
    "model_type": "应为映射 / expected a mapping",
    "string_type": "应为文字 / expected text",
}


def format_reason(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "union_tag_invalid":
        ctx = error.get("ctx", {})
        allowed = "、".join(RULE_KINDS)
        return f"未知的学时规则类型 {ctx.get('tag')!r}（可选：{allowed}）/ unknown rule kind"
    if kind == "union_tag_not_found":
        return f"缺少规则类型 kind（可选：{'、'.join(RULE_KINDS)}）/ missing rule kind"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    reason = _REASONS.get(kind)
    value = error.get("input")
    if kind in ("greater_than_equal", "greater_than") and _is_negative(value):
        return f"不能为负数 / must not be negative（得到 {value!r}）"
    if reason is None:
        return str(error["msg"])
    if kind in ("greater_than_equal", "greater_than", "literal_error"):
        return f"{reason}（{error['msg']}，得到 {error.get('input')!r}）"
    return reason


def _is_negative(value: object) -> bool:
    try:
        return Decimal(str(value)) < 0
    except (InvalidOperation, ValueError):
        return False


def check_profile_file(path: Path) -> tuple[PolicyProfile | None, list[ProfileIssue]]:
    """Validate one file; return the profile only if there is no issue at all."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [ProfileIssue(name, "(文件)", f"无法读取：{exc}")]
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark is not None else "(文件)"
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [ProfileIssue(name, where, f"不是有效的 YAML / invalid YAML: {problem}")]
    if not isinstance(data, dict):
        return None, [
            ProfileIssue(name, "(文件顶层)", "文件顶层应为映射（name、region、versions）")
        ]
    try:
        profile = PolicyProfile.model_validate(data)
    except ValidationError as exc:
        issues = [
            ProfileIssue(name, format_location(tuple(error["loc"])), format_reason(error))
            for error in exc.errors()
        ]
        return None, issues
    issues = [ProfileIssue(name, where, reason) for where, reason in semantic_issues(profile)]
    if issues:
        return None, issues
    return profile, []


def load_profile_file(path: Path) -> PolicyProfile:
    profile, issues = check_profile_file(path)
    if profile is None:
        raise ProfileError(issues)
    return profile


def profile_files(directory: Path | None = None) -> list[Path]:
    directory = directory or profiles_dir()
    return sorted(p for p in directory.glob(f"*{PROFILE_SUFFIX}") if p.is_file())


# --- the in-process registry -----------------------------------------------------------------


@dataclass
class Registry:
    profiles: dict[str, PolicyProfile] = field(default_factory=dict)
    broken: dict[str, list[ProfileIssue]] = field(default_factory=dict)


@functools.cache
def _registry() -> Registry:
    registry = Registry()
    for path in profile_files():
        profile, issues = check_profile_file(path)
        if profile is None:
            # The file is left out entirely; asking for it raises with the reasons.
            registry.broken[path.stem] = issues
            logger.error("Policy profile %s refused:\n%s", path, ProfileError(issues))
        else:
            registry.profiles[path.stem] = profile
    return registry


# Caches built from the loaded profiles (e.g. status words) register here to be dropped too.
_reload_hooks: list[Callable[[], None]] = []


def register_reload_hook(hook: Callable[[], None]) -> None:
    _reload_hooks.append(hook)


def reload_profiles() -> None:
    """Forget the loaded profiles; the next lookup reads the files again."""
    _registry.cache_clear()
    for hook in _reload_hooks:
        hook()


def _profiles_dir_changed(*, setting: str, **kwargs: object) -> None:
    # Tests (and the sixth-region check) point the platform at another folder: read it afresh.
    if setting == "POLICY_PROFILES_DIR":
        reload_profiles()


setting_changed.connect(_profiles_dir_changed)


def profile_keys() -> list[str]:
    return sorted(_registry().profiles)


def get_profile(key: str) -> PolicyProfile:
    registry = _registry()
    if key in registry.broken:
        raise ProfileError(registry.broken[key])
    try:
        return registry.profiles[key]
    except KeyError:
        raise ProfileNotFound(f"没有名为 {key!r} 的政策配置（{profiles_dir()}）") from None


def profile_for(key: str, on_date: date) -> ProfileVersion:
    """The version of a region's rules in force on a date (so last year's claims keep last
    year's rules)."""
    version = get_profile(key).version_on(on_date)
    if version is None:
        raise NoVersionInForce(f"政策配置 {key!r} 在 {on_date} 尚无生效版本")
    return version
