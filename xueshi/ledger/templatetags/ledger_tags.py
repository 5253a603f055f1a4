"""Template filters of the ledger pages."""

from __future__ import annotations

from django import template

from xueshi.ledger.selectors import Compliance, shortfall_text

register = template.Library()


@register.filter
def shortfall(compliance: Compliance) -> str:
    """还差 10 学时：总学时差 10，专业科目差 5."""
    return shortfall_text(compliance)
