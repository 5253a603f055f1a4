from __future__ import annotations

from decimal import Decimal

from django import template

from xueshi.policy.hours import fmt

register = template.Library()


@register.filter
def hours(value: Decimal | int | None) -> str:
    """90 not 9E+1 or 90.00; 27.5 stays 27.5."""
    return "" if value is None else fmt(value)
