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
from django.db import connection

from xueshi.declarations.models import Declaration, DeclarationStatus
from xueshi.declarations.services import AlreadyHandled
from xueshi.review.models import TrailAction, TrailEntry
from xueshi.review.services import declaration_approve
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
