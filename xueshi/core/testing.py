"""Helpers for tests and demo data: valid identifiers made deterministically.

Region codes are checked against the birth year (most county codes date from 1983), so
generated people are born in 1985 or later.
"""

from __future__ import annotations

import datetime

from stdnum.cn import ric, uscc

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_id_number(
    region_code: str, birth_date: datetime.date, sequence: int, *, female: bool = False
) -> str:
    """A valid 18-character ID number (real region code, check character computed by stdnum)."""
    order = sequence % 500 * 2 + (0 if female else 1)  # odd for men, even for women
    body = f"{region_code}{birth_date:%Y%m%d}{order:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check character


def make_credit_code(region_code: str, sequence: int, *, category: str = "91") -> str:
    """A valid unified social credit code: category, region, organisation code, check."""
    organization_code = f"{sequence:08d}"
    # The organisation-code part carries its own check character (position 17 of 18).
    body = (
        f"{category}{region_code}{organization_code}{_organization_code_check(organization_code)}"
    )
    return body + uscc.calc_check_digit(body)


def _organization_code_check(first_eight: str) -> str:
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(USCC_ALPHABET.index(c)) * w for c, w in zip(first_eight, weights, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))
