"""The region rules that apply to one declaration: which profile (the version is resolved by
``xueshi.policy.resolver``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from xueshi.accounts.models import Person
from xueshi.orgs.models import Organization
from xueshi.policy.resolver import NO_PROFILE, allowed_credit_years, profile_key_of, rules_date

__all__ = ["allowed_credit_years", "profile_key_for", "rules_date"]


def profile_key_for(person: Person, organization: Organization | None = None) -> str:
    """The person's unit decides the region; without a unit, the declaring organisation."""
    key = profile_key_of(person.unit or organization)
    if not key:
        raise ValidationError(NO_PROFILE)
    return key
