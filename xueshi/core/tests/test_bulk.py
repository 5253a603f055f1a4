"""core.bulk writes the rows bulk_create would, for any model (here: background jobs, with a
foreign key, a JSON value, an auto_now_add stamp, defaults and empty dates)."""

from __future__ import annotations

import datetime

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from xueshi.accounts.models import User
from xueshi.accounts.tests.factories import UserFactory
from xueshi.core.bulk import insert_many, insert_returning_ids
from xueshi.core.models import BackgroundJob, JobStatus

pytestmark = pytest.mark.django_db

COMPARED = ("kind", "title", "created_by", "status", "total", "done", "result", "finished_at")


def jobs(user: User, count: int) -> list[BackgroundJob]:
    finished = timezone.now().replace(microsecond=0)
    return [
        BackgroundJob(
            kind="import_claims",
            title=f"导入 {number}",
            created_by=user,
            status=JobStatus.DONE if number % 2 else JobStatus.QUEUED,
            total=number,
            result={"batch": number, "名称": "学时"} if number % 2 else {},
            finished_at=finished + datetime.timedelta(minutes=number) if number % 2 else None,
        )
        for number in range(count)
    ]


def test_insert_returning_ids_writes_what_bulk_create_writes() -> None:
    user = UserFactory.create()
    ours = jobs(user, 5)
    insert_returning_ids(ours)
    assert all(job.pk is not None and not job._state.adding for job in ours)
    theirs = BackgroundJob.objects.bulk_create(jobs(user, 5))

    def stored(pks: list[int]) -> list[dict[str, object]]:
        rows = BackgroundJob.objects.filter(pk__in=pks).order_by("pk")
        return [model_to_dict(row, fields=COMPARED) for row in rows]

    assert stored([j.pk for j in ours]) == stored([j.pk for j in theirs])
    assert all(job.created_at is not None for job in BackgroundJob.objects.all())


def test_insert_many_writes_rows_by_attname() -> None:
    user = UserFactory.create()
    now = timezone.now()
    insert_many(
        BackgroundJob,
        ("kind", "title", "created_by_id", "status", "total", "done", "message", "result",
         "file", "file_name", "created_at"),
        [
            ("export", "导出", user.pk, JobStatus.RUNNING, 10, 3, "", {"a": 1}, "", "", now),
            ("export", "导出二", user.pk, JobStatus.QUEUED, 0, 0, "", {}, "", "", now),
        ],
    )  # fmt: skip
    rows = BackgroundJob.objects.filter(created_by=user).order_by("title")
    assert [(r.title, r.status, r.done, r.result) for r in rows] == [
        ("导出", JobStatus.RUNNING, 3, {"a": 1}),
        ("导出二", JobStatus.QUEUED, 0, {}),
    ]
