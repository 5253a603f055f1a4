"""Two enterprise admins decide the same supplement request at the same moment: one decision.

The lifecycle locks the request row (SELECT … FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE
transactions on a file database); the second admin reads the state the first one left.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections

from xueshi.accounts.models import RoleAssignment, RoleKind
from xueshi.declarations.services import AlreadyHandled
from xueshi.review.tests.test_concurrency import SQLITE_IN_MEMORY
from xueshi.supplements.models import SupplementRequest, SupplementStatus, SupplementTrailEntry
from xueshi.supplements.services import (
    supplement_request_agree,
    supplement_request_create,
    supplement_request_refuse,
    supplement_request_send,
)

from .factories import IN_WINDOW, approved_claim


def _decide_at_once(request_id: int, agree_role: Any, refuse_role: Any) -> list[object]:
    barrier = threading.Barrier(2)
    outcomes: list[object] = []
    lock = threading.Lock()

    def decide(role: Any, agree: bool) -> None:
        try:
            barrier.wait(timeout=10)
            if agree:
                supplement_request_agree(request_id=request_id, actor=role.user, role=role)
                outcome: object = "agreed"
            else:
                supplement_request_refuse(
                    request_id=request_id, reason="不符合增补条件", actor=role.user, role=role
                )
                outcome = "refused"
        except Exception as error:  # the test inspects what each thread got
            outcome = error
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    workers = [
        threading.Thread(target=decide, args=(agree_role, True)),
        threading.Thread(target=decide, args=(refuse_role, False)),
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return outcomes


def _one_decision(demo: Any) -> None:
    approved_claim(demo)
    person_role = demo.professional("钱伟")
    supplement = supplement_request_create(
        person=demo.person("钱伟"),
        category_code="training",
        actor=person_role.user,
        role=person_role,
        today=IN_WINDOW,
    )
    supplement_request_send(
        request_id=supplement.pk, actor=person_role.user, role=person_role, today=IN_WINDOW
    )
    first = demo.role("zj_jiangong")
    unit = demo.organization("浙江省建工集团有限责任公司")
    second_user = demo.person("冯军").user  # a colleague made second unit admin
    second = RoleAssignment.objects.create(
        user=second_user, kind=RoleKind.UNIT_ADMIN, organization=unit
    )
    second = RoleAssignment.objects.select_related("organization", "user").get(pk=second.pk)

    outcomes = _decide_at_once(supplement.pk, first, second)

    assert len(outcomes) == 2
    decided = [o for o in outcomes if o in ("agreed", "refused")]
    assert len(decided) == 1, outcomes
    refused = [o for o in outcomes if o not in ("agreed", "refused")]
    assert isinstance(refused[0], AlreadyHandled), refused
    assert "已被处理" in " ".join(refused[0].messages)
    supplement = SupplementRequest.objects.get(pk=supplement.pk)
    expected = SupplementStatus.APPROVED if decided[0] == "agreed" else SupplementStatus.REJECTED
    assert supplement.status == expected
    assert (
        SupplementTrailEntry.objects.filter(
            request=supplement, action__in=["approve", "reject"]
        ).count()
        == 1
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_two_decisions_at_once_make_one_postgresql(demo):
    _one_decision(demo)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite variant of the test above")
@pytest.mark.skipif(SQLITE_IN_MEMORY, reason="see review/tests/test_concurrency.py")
@pytest.mark.django_db(transaction=True)
def test_two_decisions_at_once_make_one_sqlite(demo):
    _one_decision(demo)


@pytest.mark.django_db
def test_a_stale_second_decision_is_refused(demo):
    """The same race, one after the other: the second admin's page was stale."""
    approved_claim(demo)
    person_role = demo.professional("钱伟")
    supplement = supplement_request_create(
        person=demo.person("钱伟"),
        category_code="training",
        actor=person_role.user,
        role=person_role,
        today=IN_WINDOW,
    )
    supplement_request_send(
        request_id=supplement.pk, actor=person_role.user, role=person_role, today=IN_WINDOW
    )
    unit = demo.role("zj_jiangong")
    supplement_request_agree(request_id=supplement.pk, actor=unit.user, role=unit)
    with pytest.raises(AlreadyHandled):
        supplement_request_refuse(
            request_id=supplement.pk, reason="迟到的决定", actor=unit.user, role=unit
        )
    assert SupplementRequest.objects.get(pk=supplement.pk).status == SupplementStatus.APPROVED
