"""The worker reads evidence files (queued after the upload's transaction commits)."""

from __future__ import annotations

from django_tasks import task

from .services import recognition_run


@task()
def recognise_evidence_task(recognition_id: int) -> str:
    recognition = recognition_run(recognition_id)
    return recognition.status if recognition is not None else "skipped"
