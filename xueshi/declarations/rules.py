"""The region rules that apply to one declaration: which profile, which version of it."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from xueshi.accounts.models import Person
from xueshi.orgs.models import Organization
from xueshi.policy.loader import (
    NoVersionInForce,
    ProfileError,
    ProfileNotFound,
    get_profile,
    profile_for,
)
from xueshi.policy.schema import ProfileVersion

# Moved to policy (the units console needs it and sits below declarations); re-exported here.
from xueshi.policy.windows import allowed_credit_years as allowed_credit_years


def profile_key_for(person: Person, organization: Organization | None = None) -> str:
    """The person's unit decides the region; without a unit, the declaring organisation."""
    source = person.unit or organization
    key = source.effective_policy_profile() if source is not None else ""
    if not key:
        raise ValidationError("未找到适用的学时认定细则，请先在“我的信息”中选择工作单位。")
    return key


def rules_date(*, credit_year: int | None, start_date: datetime.date | None) -> datetime.date:
    """The day whose rules apply: the activity's start, else the first day of the credit year."""
    if start_date is not None:
        return start_date
    if credit_year is not None:
        return datetime.date(credit_year, 1, 1)
    return timezone.localdate()


def version_for(key: str, on_date: datetime.date) -> ProfileVersion:
    try:
        return profile_for(key, on_date)
    except NoVersionInForce:
        # An activity older than the first recorded version is judged by the oldest rules.
        return get_profile(key).versions[0]
    except (ProfileNotFound, ProfileError) as error:
        raise ValidationError(f"学时认定细则“{key}”不可用：{error}") from error
