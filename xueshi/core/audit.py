"""One place that writes the audit log, so every caller records the same facts.

Rows form a keyed hash chain: `digest = HMAC-SM3(AUDIT_CHAIN_KEY, previous digest + canonical
content)`. The key lives outside the database, so whoever can write to the table (and has got
past its append-only trigger) still cannot recompute the chain after an edit. Inserts are
serialised (PostgreSQL: an advisory transaction lock; SQLite: the database write lock) so two
requests never chain onto the same predecessor. `audit_chain_verify` walks the chain.

Rows written before the chain was keyed carry the plain SM3 of the same input. They are accepted
only up to `AUDIT_CHAIN_LEGACY_UNTIL_ID` (set once, at the upgrade, to the last such row's id;
0, the default, accepts none) and only before the first keyed row: a chain rebuilt without the
key after an edit does not verify.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.signals import setting_changed
from django.db import connection, models, transaction
from django.utils import timezone

from .crypto import parse_audit_key
from .identifiers import mask_id_number
from .models import AuditLog, AuditResult

if TYPE_CHECKING:
    from django.http import HttpRequest

GENESIS_DIGEST = "0" * 64
# Any constant: it names the audit chain among PostgreSQL advisory locks.
_PG_ADVISORY_KEY = 0x5845_5348_4941_5544  # "XESHIAUD"
PURGE_ACTION = "audit.purge"
# Set by core.middleware.AuditContextMiddleware for the length of a request.
current_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)


def audit_retention_days() -> int:
    """Days an audit row is kept (settings.AUDIT_RETENTION_DAYS; a system check refuses < 184)."""
    return int(getattr(settings, "AUDIT_RETENTION_DAYS", 184))


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def sm3(data: bytes) -> str:
    return hashlib.new("sm3", data).hexdigest()


def audit_canonical(row: AuditLog) -> bytes:
    """The content a digest covers, in a form that survives a round trip through either database."""
    at = row.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    ip = AuditLog._meta.get_field("ip_address").get_prep_value(row.ip_address)
    content = [
        at,
        row.actor_id,
        row.role,
        ip,
        row.action,
        row.target_type,
        row.target_id,
        row.from_state,
        row.to_state,
        row.reason,
        row.details,
        row.result,
    ]
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


@lru_cache(maxsize=1)
def audit_key() -> bytes:
    return parse_audit_key(settings.AUDIT_CHAIN_KEY)


def _forget_audit_key(*, setting: str, **kwargs: object) -> None:
    if setting == "AUDIT_CHAIN_KEY":
        audit_key.cache_clear()


setting_changed.connect(_forget_audit_key)


def audit_digest(previous: str, row: AuditLog) -> str:
    return hmac.new(audit_key(), previous.encode("ascii") + audit_canonical(row), "sm3").hexdigest()


def legacy_audit_digest(previous: str, row: AuditLog) -> str:
    """The unkeyed digest of rows written before the chain was keyed."""
    return sm3(previous.encode("ascii") + audit_canonical(row))


def audit_chain_lock() -> None:
    """Serialise writers for the rest of the current transaction. A batch of moves takes it
    before its moves' followers lock the ledger's rows, as a single move does (its trail comes
    before its event), so the two never wait on each other in a cycle."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_ADVISORY_KEY])
        else:
            # SQLite: a write statement takes the database's write lock even when it touches no
            # row (and fires no trigger); under IMMEDIATE transactions it is already held.
            cursor.execute("UPDATE core_auditlog SET id = id WHERE 0")


def audit_row(
    *,
    action: str,
    actor: Any = None,
    role: str = "",
    request: HttpRequest | None = None,
    target: models.Model | None = None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    details: dict[str, Any] | None = None,
    result: str = AuditResult.SUCCESS,
) -> AuditLog:
    """An audit row, not yet chained nor saved (`audit_save` does both)."""
    if actor is not None and not getattr(actor, "is_authenticated", True):
        actor = None
    if request is None:
        # A service called from a view: the address and role are still those of this request.
        request = current_request.get()
    if request is not None and not role:
        active = getattr(request, "active_role", None)
        role = active.kind if active is not None else ""
    return AuditLog(
        action=action,
        actor=actor,
        role=role,
        ip_address=client_ip(request),
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        # Round-trip through JSON so the digest covers what the database will give back.
        details=json.loads(json.dumps(details or {})),
        result=result,
    )


def audit_save(rows: list[AuditLog]) -> list[AuditLog]:
    """Chain `rows`, in their order, onto the last row and insert them (one statement)."""
    if not rows:
        return rows
    with transaction.atomic():
        audit_chain_lock()
        previous = AuditLog.objects.order_by("-id").values_list("digest", flat=True).first()
        previous = previous or GENESIS_DIGEST
        for row in rows:
            # `at` is set here, under the lock, so time order and chain order agree.
            row.at = timezone.now()
            row.digest = previous = audit_digest(previous, row)
        if len(rows) == 1:
            rows[0].save()
        else:
            AuditLog.objects.bulk_create(rows)
    return rows


def audit_record(
    *,
    action: str,
    actor: Any = None,
    role: str = "",
    request: HttpRequest | None = None,
    target: models.Model | None = None,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    details: dict[str, Any] | None = None,
    result: str = AuditResult.SUCCESS,
) -> AuditLog:
    row = audit_row(
        action=action,
        actor=actor,
        role=role,
        request=request,
        target=target,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        details=details,
        result=result,
    )
    return audit_save([row])[0]


def audit_personal_read(
    request: HttpRequest, *, action: str, target: models.Model, **details: Any
) -> AuditLog:
    """A read of one person's data (their page, their ledger): who looked, in what role, whence."""
    return audit_record(
        action=action, actor=request.user, request=request, target=target, details=details
    )


# A run of six or more digits (an ID number or a good part of one; the last may be X).
_ID_LIKE = re.compile(r"\d{6,}[\dXx]?")


def audit_id_search(request: HttpRequest, query: str, *, where: str) -> AuditLog | None:
    """A search by ID number is a read of personal data; the number is kept masked."""
    query = (query or "").strip()
    if not _ID_LIKE.search(query):
        return None
    return audit_record(
        action="person.id_search",
        actor=request.user,
        request=request,
        details={"where": where, "query": mask_id_number(query)},
    )


@dataclass(frozen=True)
class ChainReport:
    rows: int
    broken_id: int | None = None
    problem: str = ""
    head: str = ""  # the last good digest: worth keeping outside the database
    legacy_rows: int = 0  # rows from before the chain was keyed (plain SM3)

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def _chain_start() -> str:
    """What the first remaining row must chain onto: genesis, or the digest a purge recorded."""
    purge = AuditLog.objects.filter(action=PURGE_ACTION).order_by("-id").values("details").first()
    if purge is not None:
        return str(purge["details"].get("last_purged_digest") or GENESIS_DIGEST)
    return GENESIS_DIGEST


def audit_chain_verify(rows: Iterable[AuditLog] | None = None) -> ChainReport:
    """Walk the chain in id order; report the first row whose digest does not follow."""
    if rows is None:
        rows = AuditLog.objects.order_by("id").iterator(chunk_size=2000)
    previous: str | None = None
    count = legacy = 0
    keyed_seen = False
    legacy_until = int(getattr(settings, "AUDIT_CHAIN_LEGACY_UNTIL_ID", 0) or 0)
    for row in rows:
        if previous is None:
            previous = _chain_start()
        if row.digest == audit_digest(previous, row):
            keyed_seen = True
        elif (
            not keyed_seen
            and row.pk <= legacy_until
            and row.digest == legacy_audit_digest(previous, row)
        ):
            legacy += 1
        else:
            # Either this row was edited, or a row before it was removed or inserted (or it
            # was rebuilt without the key).
            problem = "摘要缺失" if not row.digest else "摘要与内容或前一行不符"
            return ChainReport(
                rows=count, broken_id=row.pk, problem=problem, head=previous, legacy_rows=legacy
            )
        previous = row.digest
        count += 1
    return ChainReport(rows=count, head=previous or GENESIS_DIGEST, legacy_rows=legacy)
