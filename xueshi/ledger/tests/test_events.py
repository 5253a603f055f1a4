"""The ledger's one event (`events.year_totals_changed`): every entry posted announces the
person, the credit year and the signed change, whatever route posted it (a general-subject
record, an approval, the deletion of an approved claim), inside the entry's transaction."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from xueshi.ledger.events import year_totals_changed
from xueshi.ledger.models import EntrySource
from xueshi.ledger.services import general_records_import
from xueshi.review.services import approved_declaration_delete

from .test_ledger import THIS_YEAR, anyang_claim, approve_all, general


def test_every_route_into_the_ledger_announces_the_change(demo):
    heard: list[tuple[int, int, Decimal, str, bool]] = []

    def listen(sender: Any, **event: Any) -> None:
        assert transaction.get_connection().in_atomic_block
        heard.append(
            (
                event["person_id"],
                event["credit_year"],
                event["change"],
                event["source"],
                event["declaration"] is not None,
            )
        )

    year_totals_changed.connect(listen)
    try:
        person = demo.person("李明")
        general_records_import(rows=[general(demo, "E-1", "12", datetime.date(THIS_YEAR, 3, 1))])
        declaration = approve_all(demo, anyang_claim(demo, courses=2))
        remover = demo.role("ay_yiyuan")
        approved_declaration_delete(
            declaration_id=declaration.pk, actor=remover.user, role=remover, reason="重复登记"
        )
    finally:
        year_totals_changed.disconnect(listen)
    assert heard == [
        (person.pk, THIS_YEAR, Decimal(12), EntrySource.GENERAL_RECORD, False),
        (person.pk, THIS_YEAR, Decimal(30), EntrySource.APPROVAL, True),
        (person.pk, THIS_YEAR, Decimal(-30), EntrySource.DELETION, True),
    ]
