"""Domain events other parts subscribe to (notifications now; ledger and certificates later).

Sent with `transaction.on_commit`, so a subscriber never sees a change that was rolled back.
Every event carries `declaration` (the saved instance) and `actor` (a User).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import Signal

# The last level approved: the hours count toward the ledger from now on.
declaration_approved = Signal()
# Back to the declarant to mend and resubmit (`reason`).
declaration_returned = Signal()
# Final no (`reason`).
declaration_rejected = Signal()
# An approved claim removed by an administrator (`reason`): its hours leave the ledger and
# every certificate that relied on them becomes void.
approved_declaration_deleted = Signal()


def publish(signal: Signal, **kwargs: Any) -> None:
    transaction.on_commit(lambda: signal.send(sender=signal, **kwargs))
