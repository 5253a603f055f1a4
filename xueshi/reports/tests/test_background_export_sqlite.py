"""A 20,000-row background export on SQLite while the web process keeps writing (issue 11 item 2).

The worker reads the claims in chunks and writes its progress as it goes; the web process writes
at the same time (here: a thread updating claims in short transactions). Before WAL mode the
long read blocked the writers and a progress write failed with "database is locked", leaving the
job at 处理中 for ever. Now both go on, and the file holds every row.
"""

from __future__ import annotations

import io
import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.db.models import QuerySet
from openpyxl import load_workbook

from bench.claims_generator import generate
from xueshi.accounts.models import RoleKind, User
from xueshi.accounts.services import role_grant
from xueshi.core.exports import export_task, get_export
from xueshi.core.jobs import job_create
from xueshi.core.models import BackgroundJob, JobStatus
from xueshi.declarations.models import Declaration

ROWS = 20000

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's locking is what is tested"),
]


class WebWrites(threading.Thread):
    """Short write transactions, one after another, as page requests make them."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.writes = 0
        self.errors: list[BaseException] = []

    def run(self) -> None:
        ids = list(Declaration.objects.order_by("id").values_list("id", flat=True)[:500])
        try:
            while not self.stop.is_set():
                with transaction.atomic():
                    pk = ids[self.writes % len(ids)]
                    Declaration.objects.filter(pk=pk).update(title=f"修改 {self.writes}")
                    time.sleep(0.01)  # a request's work inside its transaction
                self.writes += 1
                time.sleep(0.03)  # and the time between two requests
        except BaseException as error:  # the test reports what the web process met
            self.errors.append(error)
        finally:
            connections.close_all()


def test_export_of_20000_rows_while_the_web_process_writes() -> None:
    generate(claims=ROWS * 6 // 5)  # drafts are never exported: about 85 % remain
    admin = User.objects.create(username="platform", full_name="平台管理员")
    role = role_grant(user=admin, kind=RoleKind.PLATFORM_ADMIN)
    rows = get_export("declarations").rows(role, {})
    assert isinstance(rows, QuerySet)
    expected = rows.count()
    assert expected >= ROWS
    job = job_create(kind="export", created_by=admin, title="导出学时申报明细", total=expected)
    web = WebWrites()
    web.start()
    try:
        started = time.perf_counter()
        export_task.call(job.pk, "declarations", role.pk, {}, "xlsx", False)
        elapsed = time.perf_counter() - started
    finally:
        web.stop.set()
        web.join(timeout=60)

    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.message
    assert web.errors == []
    assert web.writes > 0
    with job.file.open("rb") as stored:
        sheet = load_workbook(io.BytesIO(stored.read()), read_only=True).active
        written = sum(1 for _row in sheet.iter_rows(values_only=True))
    assert written == expected + 1  # the header row and one row per claim
    assert BackgroundJob.objects.get(pk=job.pk).done == expected
    print(f"exported {expected} rows in {elapsed:.1f} s; web writes meanwhile: {web.writes}")
