"""The daily oversight task, run by the worker (`manage.py db_worker`); enqueued by cron through
`manage.py oversight_daily` (README)."""

from __future__ import annotations

from django_tasks import task

from .services import oversight_daily


@task()
def oversight_daily_task() -> dict[str, int]:
    """Stale-review reminders, escalation to the level above, year-end reminders; running it
    twice a day sends nothing twice."""
    return oversight_daily().as_dict()
