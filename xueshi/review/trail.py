"""The one place that writes a review trail, together with the audit log.

`trail_write` serves every kind of reviewable item (a claim's `TrailEntry`, and the
`TrailFields` models of the yearly application, the supplement request and the transfer
request): the adapters name their model, the item's field and what the audit row adds.

Inside `trail_batch()` (the lifecycle's batch of moves) the rows are kept and written together
when the block ends, the trail rows of each model with one INSERT and the audit rows with one
chained INSERT, in the order of the moves."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.http import HttpRequest

from xueshi.accounts.models import RoleAssignment
from xueshi.core.audit import audit_row, audit_save
from xueshi.core.models import AuditLog
from xueshi.declarations.models import Declaration
from xueshi.orgs.models import Organization

from .models import TrailEntry, TrailFields

Trail = TypeVar("Trail", bound=TrailFields)


@dataclass
class TrailBatch:
    """Trail and audit rows of a batch of moves, written when the batch's block ends."""

    entries: list[TrailFields] = field(default_factory=list)
    audits: list[AuditLog] = field(default_factory=list)

    def write(self) -> None:
        by_model: dict[type[TrailFields], list[TrailFields]] = {}
        for entry in self.entries:
            by_model.setdefault(type(entry), []).append(entry)
        for model, entries in by_model.items():
            model._default_manager.bulk_create(entries)
        audit_save(self.audits)
        self.entries, self.audits = [], []


_batch: ContextVar[TrailBatch | None] = ContextVar("trail_batch", default=None)


@contextmanager
def trail_batch() -> Iterator[TrailBatch]:
    """Keep the trail and audit rows written in the block, and write them as it ends (when it
    ends by an exception, nothing is written: the caller's transaction is rolled back)."""
    batch = TrailBatch()
    token = _batch.set(batch)
    try:
        yield batch
        batch.write()
    finally:
        _batch.reset(token)


def trail_write(
    model: type[Trail],
    *,
    item_field: str,
    item: Any,
    audit_prefix: str,
    action: str,
    actor: Any,
    role: RoleAssignment,
    from_status: str,
    level_name: str = "",
    organization: Organization | None = None,
    comment: str = "",
    request: HttpRequest | None = None,
    details: dict[str, Any] | None = None,
    **fields: Any,
) -> Trail:
    """A trail row of `model` for `item` (its status now is the move's result) and the audit
    row of the same move, named `<audit_prefix>.<action>`. `fields` are the model's own extra
    columns (hours granted, forwarded to, the level reached); one the model lacks is not kept
    (a supplement request grants no hours)."""
    own = {model_field.name for model_field in model._meta.get_fields()}
    entry = model(
        **{item_field: item},
        action=action,
        level_name=level_name,
        organization=organization,
        actor=actor,
        actor_role=role.kind,
        from_status=from_status,
        to_status=item.status,
        comment=comment,
        **{name: value for name, value in fields.items() if name in own},
    )
    audit = audit_row(
        action=f"{audit_prefix}.{action}",
        actor=actor,
        role=role.kind,
        request=request,
        target=item,
        from_state=from_status,
        to_state=item.status,
        reason=comment,
        details={
            **(details or {}),
            "organization": organization.pk if organization else None,
        },
    )
    batch = _batch.get()
    if batch is not None:
        batch.entries.append(entry)
        batch.audits.append(audit)
        return entry
    entry.save(force_insert=True)
    audit_save([audit])
    return entry


def trail_record(
    *,
    declaration: Declaration,
    action: str,
    actor: Any,
    role: RoleAssignment,
    from_status: str,
    level_name: str = "",
    organization: Organization | None = None,
    comment: str = "",
    hours_granted: Decimal | None = None,
    request: HttpRequest | None = None,
) -> TrailEntry:
    return trail_write(
        TrailEntry,
        item_field="declaration",
        item=declaration,
        audit_prefix="declaration",
        action=action,
        actor=actor,
        role=role,
        from_status=from_status,
        level_name=level_name,
        organization=organization,
        comment=comment,
        request=request,
        details={"level": level_name},
        to_level=declaration.status_level,
        hours_granted=hours_granted,
    )
