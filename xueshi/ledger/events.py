"""The ledger's domain event: a person's year totals changed.

Sent by `services._post` for every entry, inside the entry's transaction, so every route into
the ledger (an approval, the deletion of an approved claim, a general-subject record, and later
yearly applications, supplements, imports) announces it the same way. Apps above the ledger
(certificates) listen without the ledger knowing them.

Arguments: `person_id`, `credit_year`, `change` (signed Decimal hours), `source` (an
`EntrySource` value) and `declaration` (the claim, or None).
"""

from __future__ import annotations

from django.dispatch import Signal

year_totals_changed = Signal()
