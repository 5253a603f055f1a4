"""Background jobs with visible progress: one row per job, polled by the page that started it.

A job is started by a service (`job_create`), which enqueues a task with `transaction.on_commit`
(so the task never runs before its row exists). The task calls `job_progress` as it goes and
ends with `job_finish` (optionally with a result file) or `job_fail`. The page shows the row.

A database error never leaves a job at 处理中 for ever: the bookkeeping writes wait and retry
when the database is busy, a progress write that still fails is skipped (the finish sets the
count), and a failing job is marked failed with a message before the worker moves on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.files.base import ContentFile, File
from django.db import OperationalError, connection, connections, transaction
from django.db.models import F
from django.utils import timezone

from .models import BackgroundJob, JobStatus

logger = logging.getLogger(__name__)
T = TypeVar("T")
RETRY_PAUSES = (0.5, 1.0, 2.0, 4.0)  # after the connection's own busy timeout, each time
BUSY_MESSAGE = "处理失败：数据库繁忙，任务未能完成，请稍后重新提交。"


def _retried(write: Callable[[], T]) -> T:
    """`write`, tried again after a pause while the database reports itself locked or busy."""
    for pause in RETRY_PAUSES:
        try:
            return write()
        except OperationalError as error:
            if connection.in_atomic_block or not _is_busy(error):
                raise  # inside a transaction a retry cannot help: it is already broken
            logger.warning("Job bookkeeping write refused (%s); again in %.1f s", error, pause)
            time.sleep(pause)
    return write()


def _is_busy(error: OperationalError) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text


def _beside(write: Callable[[], T]) -> T:
    """Run a bookkeeping write on a connection of its own (SQLite, outside a transaction).

    The work may be reading through an open cursor (an export reads its rows in chunks). On
    SQLite that read pins a snapshot of the database, and once the web process has committed
    anything since, a write on the same connection fails at once ("database is locked"; no
    busy timeout helps). A fresh connection has no such snapshot: it waits its turn and writes.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return _retried(write)
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = _retried(write)
        except BaseException as error:  # handed back to the caller's thread
            outcome["error"] = error
        finally:
            connections.close_all()  # this thread's connections only

    writer = threading.Thread(target=run, name="job-bookkeeping")
    writer.start()
    writer.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def job_create(*, kind: str, created_by: Any, title: str, total: int = 0) -> BackgroundJob:
    return BackgroundJob.objects.create(kind=kind, created_by=created_by, title=title, total=total)


def job_enqueue(job: BackgroundJob, task: Any, *args: Any) -> None:
    """Enqueue `task(job_id, *args)` once the job's row is committed."""
    transaction.on_commit(lambda: task.enqueue(job.pk, *args))


def job_start(job_id: int, *, total: int | None = None) -> None:
    fields: dict[str, Any] = {"status": JobStatus.RUNNING, "started_at": timezone.now()}
    if total is not None:
        fields["total"] = total
    _beside(lambda: BackgroundJob.objects.filter(pk=job_id).update(**fields))


def job_progress(job_id: int, *, done: int | None = None, add: int = 0) -> None:
    value: Any = done if done is not None else F("done") + add
    try:
        _beside(lambda: BackgroundJob.objects.filter(pk=job_id).update(done=value))
    except OperationalError:
        # Progress is only shown: a count that cannot be written now must not stop the work.
        if connection.in_atomic_block:
            raise
        logger.exception("Progress of job %s not written", job_id)


def job_finish(
    job_id: int,
    *,
    message: str = "",
    result: dict[str, Any] | None = None,
    file_name: str = "",
    content: bytes | File | None = None,
) -> BackgroundJob:
    job = BackgroundJob.objects.get(pk=job_id)
    if content is not None:
        stored = ContentFile(content) if isinstance(content, bytes) else content
        job.file.save(file_name or "result", stored, save=False)
        job.file_name = file_name
    job.status = JobStatus.DONE
    job.message = message
    job.result = result or {}
    job.finished_at = timezone.now()
    if job.total and job.done < job.total:
        job.done = job.total
    _retried(job.save)
    return job


def job_fail(job_id: int, *, message: str) -> None:
    _beside(
        lambda: BackgroundJob.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED, message=message[:500], finished_at=timezone.now()
        )
    )


def run_job(job_id: int, work: Callable[[], None]) -> None:
    """Run `work` for a job: any exception marks the job failed with its message.

    The exception goes on to the task backend (which records it and runs the next task); a
    database error is told to the user as such, not as SQL.
    """
    job_start(job_id)
    try:
        work()
    except Exception as error:  # the page must show what went wrong, whatever it was
        message = BUSY_MESSAGE if isinstance(error, OperationalError) else f"处理失败：{error}"
        try:
            job_fail(job_id, message=message)
        except Exception:  # the worker restarts mark a job left running as failed
            logger.exception("Job %s could not be marked failed", job_id)
        raise


INTERRUPTED_MESSAGE = "处理失败：后台处理进程中断，任务未能完成，请重新提交。"


def jobs_fail_interrupted() -> int:
    """Mark jobs still 处理中 as failed: for a worker (re)starting alone, nothing is running.

    A worker that died mid-job (killed, out of memory, a crash) leaves its job running for
    ever; the page would poll it without end. Queued jobs stay queued: their tasks still run.
    """
    return BackgroundJob.objects.filter(status=JobStatus.RUNNING).update(
        status=JobStatus.FAILED, message=INTERRUPTED_MESSAGE, finished_at=timezone.now()
    )
