"""Exactly one valid certificate per person, year and profile, also under concurrent approvals
(issue 15 item 1): two final reviewers approve the person's last two claims at the same moment,
and several issues of the same year race. On PostgreSQL the person's row is locked; on SQLite
the IMMEDIATE transaction takes the write lock; the partial unique constraint is the last word.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, connections

from xueshi.certificates.models import Certificate, CertificateStatus, NumberSequence
from xueshi.certificates.services import certificate_issue
from xueshi.review.services import declaration_approve

from .helpers import GX_PERSON, THIS_YEAR, general_hours, training_claim, unit_pass

SQLITE_IN_MEMORY = connection.vendor == "sqlite" and (
    not settings.DATABASES["default"].get("TEST", {}).get("NAME")
)


def at_once(actions: list[Callable[[], object]]) -> list[object]:
    barrier = threading.Barrier(len(actions))
    outcomes: list[object] = []
    lock = threading.Lock()

    def run(action: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            outcome = action()
        except Exception as error:  # the test inspects what each thread got
            outcome = error
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    workers = [threading.Thread(target=run, args=(action,)) for action in actions]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return outcomes


def _two_claims_waiting_for_the_final_review(demo: Any) -> list[int]:
    general_hours(demo, GX_PERSON, "30", "GX-C")
    first = unit_pass(demo, training_claim(demo, days=4, title="培训班甲"))
    second = unit_pass(demo, training_claim(demo, days=4, title="培训班乙", month=2))
    return [first.pk, second.pk]


@pytest.mark.skipif(SQLITE_IN_MEMORY, reason="threads need the file test database")
@pytest.mark.django_db(transaction=True)
def test_two_final_approvals_at_once_issue_one_certificate(demo):
    """30 + 32 + 32: each approval alone is short of 90, the two together meet it."""
    ids = _two_claims_waiting_for_the_final_review(demo)
    final = demo.role("gx_jyt")

    def approving(pk: int) -> Callable[[], object]:
        return lambda: declaration_approve(declaration_id=pk, actor=final.user, role=final)

    outcomes = at_once([approving(pk) for pk in ids])
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    person = demo.person(GX_PERSON)
    valid = Certificate.objects.filter(
        person=person, credit_year=THIS_YEAR, status=CertificateStatus.VALID
    )
    assert valid.count() == 1
    assert Certificate.objects.filter(person=person).count() == 1


@pytest.mark.skipif(SQLITE_IN_MEMORY, reason="threads need the file test database")
@pytest.mark.django_db(transaction=True)
def test_four_issues_of_the_same_year_at_once_make_one(demo):
    ids = _two_claims_waiting_for_the_final_review(demo)
    final = demo.role("gx_jyt")
    # Approved one after the other; the certificate is then asked for four times at once.
    for pk in ids:
        declaration_approve(declaration_id=pk, actor=final.user, role=final)
    Certificate.objects.all().delete()
    NumberSequence.objects.all().delete()
    person = demo.person(GX_PERSON)
    outcomes = at_once(
        [lambda: certificate_issue(person_id=person.pk, credit_year=THIS_YEAR) for _ in range(4)]
    )
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    numbers = {o.number for o in outcomes if isinstance(o, Certificate)}
    assert len(numbers) == 1, outcomes
    assert Certificate.objects.filter(person=person, status=CertificateStatus.VALID).count() == 1
    assert NumberSequence.objects.get().last == 1  # no number was spent twice
