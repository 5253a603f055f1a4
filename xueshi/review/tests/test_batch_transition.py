"""批量通过 / 批量不通过 through the lifecycle's batch (`transition_many`, issue 20 item 4).

The batch makes each move exactly as `transition` does, a chunk of claims to a transaction,
with the trail and audit rows written together. What must hold: the same rows as one move at a
time (trail, audit chain in order, ledger), statements per claim that do not grow with the
batch, refusals per claim, and a failure after a move began writing undoing that move alone
(the moves before it stay done, and are reported truthfully).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from xueshi.core.audit import audit_chain_verify
from xueshi.core.models import AuditLog
from xueshi.declarations import events
from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.ledger.models import LedgerEntry, YearTotal
from xueshi.review import lifecycle
from xueshi.review.models import TrailAction, TrailEntry
from xueshi.review.services import (
    BATCH_INTERRUPTED,
    DATABASE_FAILED,
    declaration_approve,
    declaration_reject,
    review_many,
)
from xueshi.review.tests.test_batch_faults import _fail_updates_of
from xueshi.review.tests.test_views import at_final_review, guangxi_claim

pytestmark = pytest.mark.django_db

NAMES = ["覃海燕", "蒙丽", "覃海燕", "蒙丽", "覃海燕", "蒙丽"]


def _claims(demo: Any, count: int) -> list[Declaration]:
    return [guangxi_claim(demo, NAMES[i % len(NAMES)], f"培训{i}") for i in range(count)]


def _at_final(demo: Any, count: int) -> list[Declaration]:
    """Claims the unit passed in one batch: they wait for the supervisor's 终审."""
    claims = _claims(demo, count)
    unit = demo.role("gx_gxu")
    results = review_many(
        declaration_approve, declaration_ids=[c.pk for c in claims], actor=unit.user, role=unit
    )
    assert all(result.ok for result in results)
    assert all(at_final_review(claim) for claim in claims)
    return claims


def _final(demo: Any, claims: list[Declaration]) -> list[Any]:
    supervisor = demo.role("gx_jyt")
    return review_many(
        declaration_approve,
        declaration_ids=[c.pk for c in claims],
        actor=supervisor.user,
        role=supervisor,
    )


def test_a_batch_writes_what_one_move_at_a_time_writes(demo: Any) -> None:
    claims = _at_final(demo, 3)
    audit_before = AuditLog.objects.count()

    results = _final(demo, claims)

    assert [(r.declaration_id, r.ok) for r in results] == [(c.pk, True) for c in claims]
    for claim in claims:
        claim.refresh_from_db()
        assert claim.status == DeclarationStatus.APPROVED
        assert claim.current_position is None and claim.decided_at is not None
        actions = list(
            TrailEntry.objects.filter(declaration=claim).order_by("id").values_list("action")
        )
        assert actions == [(TrailAction.SUBMIT,), (TrailAction.APPROVE,), (TrailAction.APPROVE,)]
        final = TrailEntry.objects.filter(declaration=claim).order_by("id").last()
        assert final is not None and final.to_status == DeclarationStatus.APPROVED
        assert final.hours_granted == claim.hours_granted
        entry = LedgerEntry.objects.get(declaration=claim)
        assert entry.hours == claim.hours_granted
    # One audit row per move, in the order of the claims, and the chain verifies.
    rows = AuditLog.objects.filter(pk__gt=0).order_by("id")[audit_before:]
    assert [(row.action, row.target_id) for row in rows] == [
        ("declaration.approve", str(claim.pk)) for claim in claims
    ]
    assert audit_chain_verify().ok
    # The year totals moved by every approval (two people, one of them twice).
    for name in ("覃海燕", "蒙丽"):
        granted = Decimal(0)
        for claim in claims:
            if claim.person.name == name and claim.hours_granted is not None:
                granted += claim.hours_granted
        total = YearTotal.objects.get(person__name=name, credit_year=claims[0].credit_year)
        assert total.professional_hours == granted


def test_statements_per_claim_do_not_grow_with_the_batch(demo: Any) -> None:
    small, large = _at_final(demo, 2), _at_final(demo, 6)
    with CaptureQueriesContext(connection) as two:
        assert all(result.ok for result in _final(demo, small))
    with CaptureQueriesContext(connection) as six:
        assert all(result.ok for result in _final(demo, large))
    per_claim = (len(six) - len(two)) / 4
    # The claim's UPDATE, its ledger entry, the year's upsert, the certificate check and the
    # year's compliance (Guangxi issues certificates): the locks, chains, people, trail and
    # audit rows are shared by the whole chunk.
    assert per_claim <= 5, [query["sql"][:80] for query in six.captured_queries]


def test_a_follower_refusing_after_the_move_began_writing_undoes_that_move_alone(
    demo: Any,
) -> None:
    claims = _at_final(demo, 4)
    refused = claims[2]

    def refuse(sender: Any, declaration: Declaration, **kwargs: Any) -> None:
        if declaration.pk == refused.pk:
            raise ValidationError("台账拒绝了这条申报。")

    events.declaration_approved.connect(refuse)
    try:
        results = _final(demo, claims)
    finally:
        events.declaration_approved.disconnect(refuse)

    assert [(r.declaration_id, r.ok) for r in results] == [
        (claims[0].pk, True),
        (claims[1].pk, True),
        (refused.pk, False),
        (claims[3].pk, True),
    ]
    assert "台账拒绝了这条申报" in results[2].message
    assert at_final_review(refused)  # nothing of its move is left
    assert not LedgerEntry.objects.filter(declaration=refused).exists()
    assert TrailEntry.objects.filter(declaration=refused).count() == 2
    assert not AuditLog.objects.filter(
        action="declaration.approve", target_id=str(refused.pk), to_state="approved"
    ).exists()
    for claim in (claims[0], claims[1], claims[3]):
        claim.refresh_from_db()
        assert claim.status == DeclarationStatus.APPROVED
        assert LedgerEntry.objects.filter(declaration=claim).count() == 1
    assert audit_chain_verify().ok


@contextmanager
def _fail_ledger_entry_of(declaration_id: int) -> Iterator[None]:
    """The database refuses the ledger entry of one claim (as a full disk would)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION xs_test_ledger_full() RETURNS trigger LANGUAGE plpgsql AS $$ "
                "BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' "
                "USING ERRCODE = 'disk_full'; END $$"
            )
            cursor.execute(
                "CREATE TRIGGER xs_test_ledger_full BEFORE INSERT ON ledger_ledgerentry "
                f"FOR EACH ROW WHEN (NEW.declaration_id = {int(declaration_id)}) "
                "EXECUTE FUNCTION xs_test_ledger_full()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER xs_test_ledger_full BEFORE INSERT ON ledger_ledgerentry "
                f"WHEN NEW.declaration_id = {int(declaration_id)} "
                "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
            )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("DROP TRIGGER IF EXISTS xs_test_ledger_full ON ledger_ledgerentry")
                cursor.execute("DROP FUNCTION IF EXISTS xs_test_ledger_full()")
            else:
                cursor.execute("DROP TRIGGER IF EXISTS xs_test_ledger_full")


def test_a_database_failure_after_the_claim_was_updated_keeps_the_moves_before_it(
    demo: Any,
) -> None:
    claims = _at_final(demo, 5)
    with _fail_ledger_entry_of(claims[2].pk):
        results = _final(demo, claims)

    assert [(r.declaration_id, r.ok, r.message) for r in results] == [
        (claims[0].pk, True, ""),
        (claims[1].pk, True, ""),
        (claims[2].pk, False, DATABASE_FAILED),
        (claims[3].pk, False, BATCH_INTERRUPTED),
        (claims[4].pk, False, BATCH_INTERRUPTED),
    ]
    for claim in claims[:2]:
        claim.refresh_from_db()
        assert claim.status == DeclarationStatus.APPROVED
        assert LedgerEntry.objects.filter(declaration=claim).exists()
    for claim in claims[2:]:
        assert at_final_review(claim)
        assert not LedgerEntry.objects.filter(declaration=claim).exists()
    assert audit_chain_verify().ok


def test_each_chunk_commits_on_its_own(demo: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(lifecycle, "BATCH_CHUNK", 2)
    claims = _at_final(demo, 5)
    with _fail_updates_of(claims[3].pk):
        results = _final(demo, claims)

    assert [(r.ok, r.message) for r in results] == [
        (True, ""),
        (True, ""),
        (True, ""),  # the second chunk's first move, made again after its rollback
        (False, DATABASE_FAILED),
        (False, BATCH_INTERRUPTED),
    ]
    statuses = [Declaration.objects.get(pk=c.pk).status for c in claims]
    assert statuses == [DeclarationStatus.APPROVED] * 3 + [DeclarationStatus.PENDING] * 2
    assert audit_chain_verify().ok


def test_missing_claims_and_a_missing_reason_are_refused_per_claim(demo: Any) -> None:
    claims = _claims(demo, 2)
    unit = demo.role("gx_gxu")
    results = review_many(
        declaration_approve,
        declaration_ids=[claims[0].pk, 999_999, claims[1].pk],
        actor=unit.user,
        role=unit,
    )
    assert [(r.ok, r.message) for r in results] == [(True, ""), (False, "申报不存在。"), (True, "")]

    results = review_many(
        declaration_reject,
        declaration_ids=[c.pk for c in claims],
        actor=demo.role("gx_jyt").user,
        role=demo.role("gx_jyt"),
        reason="  ",
    )
    assert [r.ok for r in results] == [False, False]
    assert all("必须填写审核意见" in r.message for r in results)
    assert all(at_final_review(claim) for claim in claims)


def test_a_batch_rejection_is_the_tables_move(demo: Any) -> None:
    claims = _at_final(demo, 2)
    supervisor = demo.role("gx_jyt")
    results = review_many(
        declaration_reject,
        declaration_ids=[c.pk for c in claims],
        actor=supervisor.user,
        role=supervisor,
        reason="材料不全",
    )
    assert all(result.ok for result in results)
    for claim in claims:
        claim.refresh_from_db()
        assert claim.status == DeclarationStatus.REJECTED
        last = TrailEntry.objects.filter(declaration=claim).order_by("id").last()
        assert last is not None and last.action == TrailAction.REJECT
        assert last.comment == "材料不全"
    assert not LedgerEntry.objects.filter(declaration__in=claims).exists()
    assert audit_chain_verify().ok
