"""What the yearly application announces: certificates (issue 15) listen to `application_approved`
(the hours are in the ledger by then; `ledger.selectors.year_compliance` says whether the year is
met)."""

from __future__ import annotations

import django.dispatch

# kwargs: application, actor
application_approved = django.dispatch.Signal()
application_returned = django.dispatch.Signal()
