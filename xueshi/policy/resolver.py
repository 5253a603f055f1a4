"""Which region rules apply: the one place that turns (who, when) into a profile version.

Every caller (drafting, submit, the Excel import, training-base declaring, the ledger, the
statistics, the unit's declaring window) asks here, so they all agree.

Inputs are what the policy layer may know: a profile key, or any object with
``effective_policy_profile()`` (an organisation; ``policy`` does not import ``orgs``).

**The one fallback.** A date before a region's first recorded version is judged by the
*oldest* version. It is the rule set nearest in time to the date (the newest would skip
every version in between), and it is what drafting always did, so stored claims keep the
hours they were computed with. Dates inside the recorded range take the version in force
(the latest that started on or before the date), so last year's claims keep last year's
rules.

Resolving is a dictionary look-up and a scan of a few versions; what one request resolved is
passed along (``declarations.services.DeclaringLookups``, the claim's ``ClaimFacts``) rather
than resolved again.
"""

from __future__ import annotations

import datetime
from typing import Protocol

from django.core.exceptions import ValidationError
from django.utils import timezone

from .loader import ProfileError, ProfileNotFound, get_profile
from .schema import ProfileVersion

NO_PROFILE = "未找到适用的学时认定细则，请先在“我的信息”中选择工作单位。"


class HasPolicyProfile(Protocol):
    def effective_policy_profile(self) -> str: ...


def profile_key_of(source: HasPolicyProfile | str | None) -> str:
    """The profile key named by a key or by an organisation ("" when none)."""
    if source is None:
        return ""
    if isinstance(source, str):
        return source
    return source.effective_policy_profile()


def rules_date(
    *, credit_year: int | None, start_date: datetime.date | None = None
) -> datetime.date:
    """The day whose rules apply: the activity's start, else 1 January of the credit year,
    else today."""
    if start_date is not None:
        return start_date
    if credit_year is not None:
        return datetime.date(credit_year, 1, 1)
    return timezone.localdate()


def _resolve(key: str, on_date: datetime.date) -> ProfileVersion:
    profile = get_profile(key)
    return profile.version_on(on_date) or profile.versions[0]


def resolve_version(
    source: HasPolicyProfile | str | None,
    on_date: datetime.date | None = None,
    *,
    credit_year: int | None = None,
) -> ProfileVersion:
    """The version that applies to ``source`` on ``on_date`` (or for ``credit_year``).

    Raises ``ValidationError`` (in Chinese) when no profile applies or it cannot be read.
    """
    key = profile_key_of(source)
    if not key:
        raise ValidationError(NO_PROFILE)
    when = on_date or rules_date(credit_year=credit_year)
    try:
        return _resolve(key, when)
    except (ProfileNotFound, ProfileError) as error:
        raise ValidationError(f"学时认定细则“{key}”不可用：{error}") from error


def try_resolve_version(
    source: HasPolicyProfile | str | None,
    on_date: datetime.date | None = None,
    *,
    credit_year: int | None = None,
) -> ProfileVersion | None:
    """``resolve_version``, or None where no usable profile applies (pages that show less)."""
    try:
        return resolve_version(source, on_date=on_date, credit_year=credit_year)
    except ValidationError:
        return None


def profile_versions(key: str) -> list[ProfileVersion]:
    """Every version of a region's rules, oldest first ([] when the profile is unusable)."""
    try:
        return list(get_profile(key).versions)
    except (ProfileNotFound, ProfileError):
        return []


def category_name(version: ProfileVersion | None, code: str, key: str = "") -> str:
    """A category's full name by the claim's own version, else by any version of its profile
    that knows the code, else "未知类型（code）" (profiles change over the years)."""
    candidates = [version] if version is not None else []
    candidates += list(reversed(profile_versions(key))) if key else []
    for candidate in candidates:
        try:
            return candidate.leaf(code).full_name
        except KeyError:
            continue
    return f"未知类型（{code}）"


def allowed_credit_years(version: ProfileVersion, today: datetime.date) -> list[int]:
    """The credit years the declaring window offers today (current and/or previous year)."""
    years = {"current": today.year, "previous": today.year - 1}
    return sorted((years[kind] for kind in version.windows.declaring.credit_years), reverse=True)
