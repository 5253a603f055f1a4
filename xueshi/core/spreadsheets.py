"""Cell values the platform writes into spreadsheets it hands out (exports, bad-rows files)."""

from __future__ import annotations

from typing import Any

# Text a spreadsheet would run as a formula (CSV/xlsx injection): shown with a leading quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: Any) -> Any:
    """`value`, with text that would start a formula turned into plain text by a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
