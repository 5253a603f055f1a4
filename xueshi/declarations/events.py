"""Domain events other parts subscribe to: the ledger, notifications, later certificates.

Sent inside the transition's transaction, so a subscriber that writes (the ledger) commits or
rolls back together with the transition. A subscriber with outside effects (a message to the
person) defers them with `transaction.on_commit`. Every event carries `declaration` (the saved
instance) and `actor` (a User).
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
# A sample audit (抽查) lowered the hours granted of an approved claim (`reason`): the ledger
# posts the difference; the claim stays approved.
approved_declaration_corrected = Signal()
# A sample audit revoked an approved claim (`reason`, now 不予认定): its hours leave the ledger
# and the certificates that relied on them become void.
approved_declaration_revoked = Signal()
# An evidence file was added to a claim being drafted (`attachment`); the recognition app reads
# it in the background. Sent by ``attachment_add``, not by the lifecycle.
evidence_attached = Signal()


def publish(signal: Signal, **kwargs: Any) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Declaration events are published inside the transition's transaction.")
    signal.send(sender=signal, **kwargs)
