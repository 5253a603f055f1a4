"""The ledger follows the declaration events, inside the same transaction."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from xueshi.declarations import events
from xueshi.declarations.models import Declaration

from .services import ledger_record_approval, ledger_record_audit, ledger_record_deletion


@receiver(events.declaration_approved)
def on_approved(sender: Any, declaration: Declaration, **kwargs: Any) -> None:
    ledger_record_approval(declaration=declaration)


@receiver(events.approved_declaration_deleted)
def on_deleted(sender: Any, declaration: Declaration, **kwargs: Any) -> None:
    ledger_record_deletion(declaration=declaration)


@receiver(events.approved_declaration_corrected)
def on_audit_corrected(sender: Any, declaration: Declaration, **kwargs: Any) -> None:
    ledger_record_audit(declaration=declaration, revoked=False)


@receiver(events.approved_declaration_revoked)
def on_audit_revoked(sender: Any, declaration: Declaration, **kwargs: Any) -> None:
    ledger_record_audit(declaration=declaration, revoked=True)
