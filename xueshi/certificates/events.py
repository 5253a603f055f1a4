"""Domain events of certificates, for the parts above (outbound webhooks of the API). Sent inside
the issuing or voiding transaction with `certificate`."""

from __future__ import annotations

from django.dispatch import Signal

certificate_issued = Signal()
certificate_voided = Signal()
