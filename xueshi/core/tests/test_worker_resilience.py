"""The background worker survives a database error and goes on to the next job (issue 11 item 2).

These run the real `db_worker` (django_tasks_db, batch mode) against the test database, so
they need committed rows: transactional tests.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.db.models.query import QuerySet
from django_tasks import task

from xueshi.accounts.tests.factories import UserFactory
from xueshi.core.jobs import (
    BUSY_MESSAGE,
    job_create,
    job_enqueue,
    job_finish,
    job_progress,
    job_start,
    run_job,
)
from xueshi.core.models import BackgroundJob, JobStatus

pytestmark = pytest.mark.django_db(transaction=True)

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@task()
def step_hits_a_locked_database(job_id: int) -> None:
    def work() -> None:
        job_progress(job_id, done=1)
        raise OperationalError("database is locked")

    run_job(job_id, work)


@task()
def finishes(job_id: int) -> None:
    def work() -> None:
        job_finish(job_id, message="完成")

    run_job(job_id, work)


def _run_worker() -> None:
    call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0)


def test_a_job_failing_on_the_database_is_marked_failed_and_the_next_one_runs(settings) -> None:
    settings.TASKS = DATABASE_TASKS
    user = UserFactory.create()
    broken = job_create(kind="export", created_by=user, title="导出（数据库繁忙）", total=2)
    job_enqueue(broken, step_hits_a_locked_database)
    following = job_create(kind="export", created_by=user, title="下一个导出")
    job_enqueue(following, finishes)

    _run_worker()

    broken.refresh_from_db()
    following.refresh_from_db()
    assert broken.status == JobStatus.FAILED
    assert broken.message == BUSY_MESSAGE
    assert broken.finished_at is not None
    assert (following.status, following.message) == (JobStatus.DONE, "完成")


def _update_refused_once(monkeypatch: Any, message: str = "database is locked") -> list[int]:
    """QuerySet.update raises `message` the first time, then works: a busy moment."""
    calls: list[int] = []
    original = QuerySet.update

    def update(self: QuerySet, **kwargs: Any) -> int:
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError(message)
        return original(self, **kwargs)

    monkeypatch.setattr(QuerySet, "update", update)
    monkeypatch.setattr("xueshi.core.jobs.RETRY_PAUSES", (0.01, 0.01))
    return calls


def test_a_progress_write_refused_by_a_busy_database_is_tried_again(monkeypatch) -> None:
    job = job_create(kind="export", created_by=UserFactory.create(), title="导出", total=10)
    job_start(job.pk)
    calls = _update_refused_once(monkeypatch)

    job_progress(job.pk, done=4)

    assert len(calls) == 2
    assert BackgroundJob.objects.get(pk=job.pk).done == 4


def test_a_progress_write_that_keeps_failing_does_not_stop_the_work(monkeypatch) -> None:
    job = job_create(kind="export", created_by=UserFactory.create(), title="导出", total=10)
    job_start(job.pk)
    monkeypatch.setattr("xueshi.core.jobs.RETRY_PAUSES", (0.01,))

    def refused(self: QuerySet, **kwargs: Any) -> int:
        raise OperationalError("database is locked")

    with monkeypatch.context() as patch:
        patch.setattr(QuerySet, "update", refused)
        job_progress(job.pk, done=4)  # logged, not raised
    job_finish(job.pk, message="完成")

    job.refresh_from_db()
    assert (job.status, job.done) == (JobStatus.DONE, 10)


def test_a_job_left_running_by_a_dead_worker_is_failed_when_the_worker_starts() -> None:
    user = UserFactory.create()
    orphan = job_create(kind="import", created_by=user, title="导入（处理中断）", total=100)
    job_start(orphan.pk)
    waiting = job_create(kind="export", created_by=user, title="排队中的导出")

    call_command("jobs_recover")

    orphan.refresh_from_db()
    waiting.refresh_from_db()
    assert orphan.status == JobStatus.FAILED
    assert "中断" in orphan.message
    assert waiting.status == JobStatus.QUEUED
