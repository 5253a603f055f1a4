"""The background import: loads the stored upload by the batch id and runs the same service."""

from __future__ import annotations

from django_tasks import task

from xueshi.core.jobs import run_job

# A module reference, not a name: services imports this module at its top to enqueue the task.
from . import services


@task()
def run_import(job_id: int, batch_id: int) -> None:
    run_job(job_id, lambda: _run(batch_id, job_id))


def _run(batch_id: int, job_id: int) -> None:
    services.import_run(batch_id, job_id=job_id)
