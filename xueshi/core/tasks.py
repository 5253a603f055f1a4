"""Background tasks of the kernel: the worker's heartbeat and the orphan-file cleanup."""

from __future__ import annotations

from django_tasks import task

from .files import orphan_files_delete


@task()
def heartbeat_task() -> str:
    """Does nothing: that it ran shows the worker takes tasks (see core/health.py)."""
    return "ok"


@task()
def cleanup_orphan_files_task() -> dict[str, int]:
    report = orphan_files_delete()
    return {"deleted": len(report.deleted), "failed": len(report.failed)}
