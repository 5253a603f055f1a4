"""What a profile version's declaring window offers on a given day."""

from __future__ import annotations

import datetime

from .schema import ProfileVersion


def allowed_credit_years(version: ProfileVersion, today: datetime.date) -> list[int]:
    """The credit years the declaring window offers today (current and/or previous year)."""
    years = {"current": today.year, "previous": today.year - 1}
    return sorted((years[kind] for kind in version.windows.declaring.credit_years), reverse=True)
