"""Two reviewers approve the same claim at the same moment: exactly one transition happens.

On PostgreSQL the declaration row is locked (SELECT … FOR UPDATE); on SQLite the transaction
takes the database's write lock when it begins (transaction_mode IMMEDIATE in the settings), so
the second reviewer reads the state the first one left.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, connections

from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.declarations.services import AlreadyHandled
from xueshi.review.models import TrailAction, TrailEntry
from xueshi.review.services import declaration_approve, review_many
from xueshi.review.tests.test_views import anyang_claim

SQLITE_IN_MEMORY = connection.vendor == "sqlite" and (
    not settings.DATABASES["default"].get("TEST", {}).get("NAME")
)


def approve_at_once(declaration_id: int, role: Any, threads: int = 2) -> list[object]:
    """Run `threads` approvals of the same claim, all released by one barrier."""
    barrier = threading.Barrier(threads)
    outcomes: list[object] = []
    lock = threading.Lock()

    def approve() -> None:
        from django.db import connections

        try:
            barrier.wait(timeout=10)
            declaration_approve(
                declaration_id=declaration_id,
                actor=role.user,
                role=role,
                expected_position=0,
            )
            outcome: object = "approved"
        except Exception as error:  # the test inspects what each thread got
            outcome = error
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    workers = [threading.Thread(target=approve) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return outcomes


def _one_transition(demo: Any) -> None:
    declaration = anyang_claim(demo)
    unit = demo.role("ay_yiyuan")
    outcomes = approve_at_once(declaration.pk, unit)

    assert len(outcomes) == 2
    assert outcomes.count("approved") == 1, outcomes
    refused = [outcome for outcome in outcomes if outcome != "approved"]
    assert isinstance(refused[0], AlreadyHandled), refused
    assert "已被处理" in " ".join(refused[0].messages)
    declaration = Declaration.objects.get(pk=declaration.pk)
    assert declaration.status == DeclarationStatus.PENDING
    assert declaration.current_position == 1
    assert (
        TrailEntry.objects.filter(declaration=declaration, action=TrailAction.APPROVE).count() == 1
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_at_once_make_one_transition_postgresql(demo):
    _one_transition(demo)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite variant of the test above")
@pytest.mark.skipif(
    SQLITE_IN_MEMORY,
    reason="the in-memory test database is shared between threads through SQLite's shared "
    "cache, which answers a second writer with 'database table is locked' at once instead of "
    "waiting; the IMMEDIATE transaction mode is exercised against a file database only",
)
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_at_once_make_one_transition_sqlite(demo):
    _one_transition(demo)


def _two_batches_at_once(demo: Any) -> None:
    """Two reviewers of the unit tick the same claims and press 批量通过 together: each claim
    moves once, and each is reported done to exactly one of them."""
    claims = [anyang_claim(demo, courses=courses) for courses in (1, 2, 3)]
    unit = demo.role("ay_yiyuan")
    barrier = threading.Barrier(2)
    reports: list[list[Any]] = []
    lock = threading.Lock()

    def batch() -> None:
        try:
            barrier.wait(timeout=10)
            results: list[Any] = review_many(
                declaration_approve,
                declaration_ids=[c.pk for c in claims],
                actor=unit.user,
                role=unit,
            )
        finally:
            connections.close_all()
        with lock:
            reports.append(results)

    workers = [threading.Thread(target=batch) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert len(reports) == 2
    for index, claim in enumerate(claims):
        done = [report[index].ok for report in reports]
        assert done.count(True) == 1, reports
        claim = Declaration.objects.get(pk=claim.pk)
        assert claim.status == DeclarationStatus.PENDING and claim.current_position == 1
        approvals = TrailEntry.objects.filter(declaration=claim, action=TrailAction.APPROVE)
        assert approvals.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_two_batches_over_the_same_claims_move_each_once_postgresql(demo):
    _two_batches_at_once(demo)
