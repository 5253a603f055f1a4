"""Background jobs with visible progress: one row per job, polled by the page that started it.

A job is started by a service (`job_create`), which enqueues a task with `transaction.on_commit`
(so the task never runs before its row exists). The task calls `job_progress` as it goes and
ends with `job_finish` (optionally with a result file) or `job_fail`. The page shows the row.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import BackgroundJob, JobStatus


def job_create(*, kind: str, created_by: Any, title: str, total: int = 0) -> BackgroundJob:
    return BackgroundJob.objects.create(kind=kind, created_by=created_by, title=title, total=total)


def job_enqueue(job: BackgroundJob, task: Any, *args: Any) -> None:
    """Enqueue `task(job_id, *args)` once the job's row is committed."""
    transaction.on_commit(lambda: task.enqueue(job.pk, *args))


def job_start(job_id: int, *, total: int | None = None) -> None:
    fields: dict[str, Any] = {"status": JobStatus.RUNNING, "started_at": timezone.now()}
    if total is not None:
        fields["total"] = total
    BackgroundJob.objects.filter(pk=job_id).update(**fields)


def job_progress(job_id: int, *, done: int | None = None, add: int = 0) -> None:
    value: Any = done if done is not None else F("done") + add
    BackgroundJob.objects.filter(pk=job_id).update(done=value)


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
    job.save()
    return job


def job_fail(job_id: int, *, message: str) -> None:
    BackgroundJob.objects.filter(pk=job_id).update(
        status=JobStatus.FAILED, message=message[:500], finished_at=timezone.now()
    )


def run_job(job_id: int, work: Callable[[], None]) -> None:
    """Run `work` for a job: any exception marks the job failed with its message."""
    job_start(job_id)
    try:
        work()
    except Exception as error:  # the page must show what went wrong, whatever it was
        job_fail(job_id, message=f"处理失败：{error}")
        raise
