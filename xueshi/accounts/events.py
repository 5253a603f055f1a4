"""Domain events of a person's own registration (注册): notifications (above accounts) listen
and tell the person at each step. Sent inside the service's transaction; a subscriber with
outside effects (a message) defers them with `transaction.on_commit`. Every event carries
`registration` (the saved instance)."""

from __future__ import annotations

from django.dispatch import Signal

# Registered (or registered again after a refusal): waits for the unit.
registration_submitted = Signal()
# The unit approved and the supervising department must approve next.
registration_forwarded = Signal()
# The last approval: the login works from now on.
registration_approved = Signal()
# Refused (`reason`), by the unit or the supervising department.
registration_refused = Signal()
