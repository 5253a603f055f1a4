"""Certificates follow the ledger's one event, whatever moved the hours."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.dispatch import receiver

from xueshi.declarations.models import Declaration
from xueshi.ledger.events import year_totals_changed

from .services import certificates_follow_ledger


@receiver(year_totals_changed)
def on_year_totals_changed(
    sender: Any,
    person_id: int,
    credit_year: int,
    change: Decimal,
    declaration: Declaration | None = None,
    source: str = "",
    **kwargs: Any,
) -> None:
    certificates_follow_ledger(
        person_id=person_id,
        credit_year=credit_year,
        change=change,
        declaration=declaration,
        source=source,
    )
