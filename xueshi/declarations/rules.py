"""The region rules that apply to one declaration: which profile (the version is resolved by
``xueshi.policy.resolver``)."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.core.exceptions import ValidationError

from xueshi.accounts.models import Person
from xueshi.orgs.models import Organization
from xueshi.policy.resolver import NO_PROFILE, allowed_credit_years, profile_key_of, rules_date

__all__ = [
    "allowed_credit_years",
    "profile_key_for",
    "register_supplement_grant",
    "rules_date",
    "supplement_granted",
]


def profile_key_for(person: Person, organization: Organization | None = None) -> str:
    """The person's unit decides the region; without a unit, the declaring organisation."""
    key = profile_key_of(person.unit or organization)
    if not key:
        raise ValidationError(NO_PROFILE)
    return key


# 增补: may this person add a claim of this category for this closed year? Asked of the app
# that keeps supplement requests (xueshi/supplements, above this one), which registers its check
# at start-up: (person, credit year, category code, today) → None when granted, else the
# refusal in the region's words.
SupplementGrant = Callable[[Person, int, str, datetime.date], str | None]
_supplement_grants: list[SupplementGrant] = []
NO_SUPPLEMENTS = "本地区未开通增补功能，不能补登记已结束年度的学时。"


def register_supplement_grant(check: SupplementGrant) -> None:
    if check not in _supplement_grants:
        _supplement_grants.append(check)


def supplement_granted(
    person: Person, credit_year: int, category_code: str, today: datetime.date
) -> str | None:
    """None when a supplement claim may be saved; otherwise why not (a sentence)."""
    if not _supplement_grants:
        return NO_SUPPLEMENTS
    refusal: str | None = NO_SUPPLEMENTS
    for check in _supplement_grants:
        refusal = check(person, credit_year, category_code, today)
        if refusal is None:
            return None
    return refusal
