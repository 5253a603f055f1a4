"""Background exports (above the row threshold), run by the django_tasks worker."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from xueshi.core.jobs import run_job


@task()
def export_task(
    job_id: int,
    key: str,
    role_id: int | None,
    params: dict[str, Any],
    fmt: str,
    full_ids: bool,
) -> None:
    from .exports import run_export_job

    run_job(job_id, lambda: run_export_job(job_id, key, role_id, params, fmt, full_ids))
