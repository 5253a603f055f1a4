"""Two browser tabs submit the same application at the same moment: one submission happens.

As in review/tests/test_concurrency.py: on PostgreSQL the application row is locked (SELECT …
FOR UPDATE); on a SQLite file the transaction takes the write lock when it begins.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from xueshi.applications import services
from xueshi.applications.models import Application, ApplicationStatus, ApplicationTrail
from xueshi.declarations.services import AlreadyHandled

from .helpers import with_hours

SQLITE_IN_MEMORY = connection.vendor == "sqlite" and (
    not settings.DATABASES["default"].get("TEST", {}).get("NAME")
)


def submit_at_once(application_id: int, role: Any, threads: int = 2) -> list[object]:
    barrier = threading.Barrier(threads)
    outcomes: list[object] = []
    lock = threading.Lock()

    def submit() -> None:
        from django.db import connections

        try:
            barrier.wait(timeout=10)
            services.application_submit(application_id=application_id, actor=role.user, role=role)
            outcome: object = "submitted"
        except Exception as error:  # the test inspects what each thread got
            outcome = error
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    workers = [threading.Thread(target=submit) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return outcomes


@pytest.mark.skipif(SQLITE_IN_MEMORY, reason="threads need PostgreSQL or a SQLite file")
@pytest.mark.django_db(transaction=True)
def test_two_tabs_submitting_at_once_make_one_submission(demo):
    application, role = with_hours(demo, [("advanced_study", 40), ("lectures", 20)])
    outcomes = submit_at_once(application.pk, role)
    assert outcomes.count("submitted") == 1, outcomes
    refused = [outcome for outcome in outcomes if outcome != "submitted"]
    assert isinstance(refused[0], AlreadyHandled), refused
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.PENDING
    assert ApplicationTrail.objects.filter(application=application, action="submit").count() == 1
