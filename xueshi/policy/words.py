"""What a region calls a claim's state: (profile, version, state, review level) → word.

The database and the (future) API keep the stable English codes (`draft`, `pending`…); every
page, filter, trail, notification and export shows the word of the claim's own region, from
the profile's `status_words`. The words are read from the loaded profile, so a list asks no
query per row; the lookup is cached per (profile, version) and dropped with the profiles.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date
from typing import Any

from .loader import ProfileError, ProfileNotFound, get_profile, register_reload_hook
from .schema import OUTCOME_LABELS, OUTCOMES, ProfileVersion

# The platform's own words, used where a profile names none (and by DeclarationStatus).
DEFAULT_STATE_WORDS: dict[str, str] = {
    "draft": "待提交",
    "pending": "待审核",
    "returned": "已退回",
    "approved": "通过认定",
    "rejected": "不予认定",
    "deleted": "已删除",
}
# Outcomes whose word depends on the level that decided (see LevelWords).
_LEVEL_STATES = ("pending", "returned", "rejected")


@functools.cache
def _version(key: str, version_date: date) -> ProfileVersion | None:
    """The version a claim was made under; None if the profile is gone (old words then)."""
    try:
        profile = get_profile(key)
    except (ProfileError, ProfileNotFound):
        return None
    return profile.version_on(version_date)


@functools.cache
def _words(key: str, version_date: date) -> dict[tuple[str, str], str]:
    """(state, level code or "") → word for one profile version, defaults filled in."""
    words = {(state, ""): word for state, word in DEFAULT_STATE_WORDS.items()}
    version = _version(key, version_date)
    if version is None:
        return words
    configured = version.status_words
    for state in DEFAULT_STATE_WORDS:
        word = getattr(configured, state)
        if word:
            words[(state, "")] = word
    for code, level_words in configured.levels.items():
        for state in _LEVEL_STATES:
            word = getattr(level_words, state)
            if word:
                words[(state, code)] = word
    return words


def status_word(key: str, version_date: date | None, state: str, level_code: str = "") -> str:
    """The word for `state` in the region `key` (version in force from `version_date`); for
    pending, returned and rejected the level where the claim waits or that decided refines it."""
    if not key or version_date is None:
        return DEFAULT_STATE_WORDS.get(state, state)
    words = _words(key, version_date)
    if level_code and (state, level_code) in words:
        return words[(state, level_code)]
    return words.get((state, ""), DEFAULT_STATE_WORDS.get(state, state))


def region_word(key: str, version_date: date | None, state: str, level_code: str = "") -> str:
    """The word the region itself names for (state, level), or "" where it names none."""
    if not key or version_date is None:
        return ""
    words = _words(key, version_date)
    default = DEFAULT_STATE_WORDS.get(state)
    for candidate in ((state, level_code), (state, "")):
        word = words.get(candidate)
        if word and (candidate[1] or word != default):
            return word
    return ""


def state_choices(
    key: str, version_date: date | None, states: tuple[str, ...]
) -> list[tuple[str, str]]:
    """(code, this region's word) for a status filter: one entry per state, level-free."""
    return [(state, status_word(key, version_date, state)) for state in states]


def level_outcomes(key: str, version_date: date, level_code: str) -> tuple[str, ...]:
    """The outcomes a reviewer at `level_code` may choose (all three where the profile or the
    level is unknown: an old claim keeps the platform's outcomes)."""
    version = _version(key, version_date)
    if version is None:
        return OUTCOMES
    for level in version.review.levels:
        if level.code == level_code:
            return tuple(level.outcomes)
    return OUTCOMES


def outcome_label(outcome: str) -> str:
    return OUTCOME_LABELS.get(outcome, outcome)


def _forget() -> None:
    _version.cache_clear()
    _words.cache_clear()


register_reload_hook(_forget)


def row_status_word(row: Mapping[str, Any]) -> str:
    """status_word of an exported row (values() with status, status_level, policy_profile and
    profile_version): exports word each claim like its pages do, without a query per row."""
    return status_word(
        row.get("policy_profile") or "",
        row.get("profile_version"),
        row["status"],
        row.get("status_level") or "",
    )
