"""Issue 21 part 5 (web hardening) and part 6 (health, orphan files): upload size enforced while
streaming, rate limits with a Chinese 429 page, the health endpoint, the orphan-file cleanup."""

from __future__ import annotations

import io
import os
import time
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.client import encode_multipart
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from xueshi.accounts.models import User
from xueshi.accounts.tests.factories import login_data
from xueshi.core import health
from xueshi.core.files import orphan_files
from xueshi.core.models import AuditLog, BackgroundJob
from xueshi.core.tasks import cleanup_orphan_files_task
from xueshi.core.upload_limits import MB, LimitedUploadHandler, UploadTooLarge

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("accounts:login")


# --- upload size ---------------------------------------------------------------------------


def _multipart_post(client: Client, url: str, size: int) -> Any:
    body = encode_multipart(
        "BoUnDaRy",
        {"title": "培训", "file": ContentFile(b"%PDF-1.4 " + b"0" * size, name="big.pdf")},
    )
    return client.post(url, body, content_type="multipart/form-data; boundary=BoUnDaRy")


def test_a_body_over_the_limit_is_refused_with_413_and_a_chinese_page(settings: Any) -> None:
    settings.UPLOAD_MAX_REQUEST_MB = 1

    response = _multipart_post(Client(), LOGIN_URL, 2 * MB)

    assert response.status_code == 413
    text = response.content.decode()
    assert "上传的内容过大" in text and "1 MB" in text


def test_a_body_under_the_limit_passes(settings: Any) -> None:
    settings.UPLOAD_MAX_REQUEST_MB = 1

    response = _multipart_post(Client(), LOGIN_URL, MB // 2)

    assert response.status_code == 200  # the login page again (no such form fields)


def test_the_handler_stops_while_streaming_at_the_limit(settings: Any) -> None:
    """A body whose declared length lies (or a chunked one) is cut by the handler after the
    chunk that passes the limit: what came later is never read."""
    settings.UPLOAD_MAX_REQUEST_MB = 1
    handler = LimitedUploadHandler()
    chunk = b"x" * (64 * 1024)
    handler.handle_raw_input(io.BytesIO(), {}, 100, "b")  # the declared length: small
    read = 0
    with pytest.raises(UploadTooLarge):
        for _ in range(100):
            handler.receive_data_chunk(chunk, read)
            read += len(chunk)
    assert read == MB  # the 17th chunk passed 1 MB and was refused; no 18th was read


def test_the_upload_settings_are_coherent(settings: Any) -> None:
    assert settings.FILE_UPLOAD_HANDLERS[0] == "xueshi.core.upload_limits.LimitedUploadHandler"
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= settings.UPLOAD_MAX_REQUEST_MB * MB
    # Five files of the platform's own 20 MB ceiling (浙江建设: max_count 5) must fit.
    assert settings.UPLOAD_MAX_REQUEST_MB >= 5 * 20


# --- rate limits -----------------------------------------------------------------------------


def test_login_attempts_over_the_limit_get_a_chinese_429(settings: Any) -> None:
    settings.RATELIMITS = {**settings.RATELIMITS, "login": "3/300"}
    client = Client()
    answers = [
        client.post(LOGIN_URL, login_data("nobody", "Wrong@2026")).status_code for _ in range(4)
    ]

    assert answers == [200, 200, 200, 429]
    response = client.post(LOGIN_URL, login_data("nobody", "Wrong@2026"))
    assert response.status_code == 429
    assert "请求过于频繁，请稍后再试" in response.content.decode()
    assert 0 < int(response["Retry-After"]) <= 300


def test_the_login_page_itself_is_not_counted(settings: Any) -> None:
    settings.RATELIMITS = {**settings.RATELIMITS, "login": "2/300"}
    client = Client()
    assert all(client.get(LOGIN_URL).status_code == 200 for _ in range(5))


def test_the_limit_is_per_client_address(settings: Any) -> None:
    settings.RATELIMITS = {**settings.RATELIMITS, "login": "1/300"}
    first = Client(REMOTE_ADDR="10.0.0.1")
    second = Client(REMOTE_ADDR="10.0.0.2")
    first.post(LOGIN_URL, login_data("nobody", "x"))

    assert first.post(LOGIN_URL, login_data("nobody", "x")).status_code == 429
    assert second.post(LOGIN_URL, login_data("nobody", "x")).status_code == 200


@pytest.mark.parametrize(
    ("group", "url"),
    [
        ("captcha", reverse("captcha-refresh")),
        ("public", reverse("orgs:unit_search")),
    ],
)
def test_captcha_and_public_endpoints_are_limited(settings: Any, group: str, url: str) -> None:
    settings.RATELIMITS = {**settings.RATELIMITS, group: "2/300"}
    client = Client()
    codes = [
        client.get(url, headers={"x-requested-with": "XMLHttpRequest"}).status_code
        for _ in range(3)
    ]

    assert 429 not in codes[:2] and codes[2] == 429


def test_the_limit_window_ends(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.RATELIMITS = {**settings.RATELIMITS, "login": "1/60"}
    client = Client()
    start = 1_800_000_000.0
    monkeypatch.setattr(time, "time", lambda: start)
    client.post(LOGIN_URL, login_data("nobody", "x"))
    assert client.post(LOGIN_URL, login_data("nobody", "x")).status_code == 429

    monkeypatch.setattr(time, "time", lambda: start + 61)
    assert client.post(LOGIN_URL, login_data("nobody", "x")).status_code == 200


# --- health -------------------------------------------------------------------------------


def test_health_reports_every_part_ok() -> None:
    response = Client().get("/health/")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "storage", "worker"}
    assert all(check["ok"] for check in body["checks"].values())
    assert response["Cache-Control"].startswith("max-age=0")


def test_health_leaves_no_file_behind() -> None:
    Client().get("/health/")

    assert list(default_storage.listdir("")[1]) == []
    assert not default_storage.exists("health") or default_storage.listdir("health")[1] == []


@pytest.mark.parametrize("part", ["database", "cache", "storage"])
def test_a_failing_part_gives_503_and_names_it(part: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> tuple[bool, str]:
        raise OSError(28, "No space left on device")

    monkeypatch.setitem(health.CHECKS, part, broken)

    response = Client().get("/health/")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"][part] == {"ok": False, "detail": "不可用"}
    assert "No space" not in response.content.decode()  # the reason goes to the log only


def test_a_full_disk_fails_the_storage_check(monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*args: Any, **kwargs: Any) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(default_storage, "save", full)

    response = Client().get("/health/")

    assert response.status_code == 503
    assert response.json()["checks"]["storage"]["ok"] is False


@pytest.fixture
def database_tasks(settings: Any) -> None:
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }


def test_with_a_worker_backend_health_queues_one_heartbeat(database_tasks: None) -> None:
    client = Client()
    assert client.get("/health/").status_code == 200
    assert client.get("/health/").status_code == 200

    assert DBTaskResult.objects.ready().filter(task_path__endswith="heartbeat_task").count() == 1


def test_a_task_waiting_too_long_means_the_worker_is_down(database_tasks: None) -> None:
    Client().get("/health/")
    DBTaskResult.objects.update(enqueued_at=timezone.now() - timedelta(minutes=10))

    response = Client().get("/health/")

    assert response.status_code == 503
    worker = response.json()["checks"]["worker"]
    assert worker["ok"] is False and "后台进程可能已停止" in worker["detail"]


# --- orphan files ------------------------------------------------------------------------


def _age(name: str, days: float) -> None:
    path = default_storage.path(name)
    moment = time.time() - days * 86400
    os.utime(path, (moment, moment))


def test_orphan_cleanup_deletes_only_old_unreferenced_files() -> None:
    user = User.objects.create_user(username="orphan-test", password="Aa1!aaaaaa")
    job = BackgroundJob.objects.create(kind="export", title="导出", created_by=user)
    job.file.save("kept.xlsx", ContentFile(b"kept"))
    assert job.file.name
    old_orphan = default_storage.save("evidence/2025/orphan.pdf", ContentFile(b"lost"))
    young_orphan = default_storage.save("evidence/2025/young.pdf", ContentFile(b"in flight"))
    for name in (job.file.name, old_orphan):
        _age(name, 2)
    _age(young_orphan, 0.5)

    assert orphan_files() == [old_orphan]
    call_command("cleanup_orphan_files", stdout=io.StringIO())

    assert not default_storage.exists(old_orphan)
    assert default_storage.exists(young_orphan)
    assert default_storage.exists(job.file.name)
    row = AuditLog.objects.get(action="media.orphans_deleted")
    assert row.details["deleted"] == [old_orphan]


def test_orphan_cleanup_dry_run_deletes_nothing() -> None:
    name = default_storage.save("jobs/orphan.csv", ContentFile(b"x"))
    _age(name, 3)
    out = io.StringIO()

    call_command("cleanup_orphan_files", "--dry-run", stdout=out)

    assert default_storage.exists(name)
    assert name in out.getvalue()
    assert not AuditLog.objects.filter(action="media.orphans_deleted").exists()


def test_the_cleanup_task_runs_the_same_cleanup() -> None:
    name = default_storage.save("orphan.bin", ContentFile(b"x"))
    _age(name, 2)

    result = cleanup_orphan_files_task.enqueue()

    assert result.return_value == {"deleted": 1, "failed": 0}
    assert not default_storage.exists(name)


def test_connection_is_usable_after_the_checks() -> None:
    Client().get("/health/")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    cache.set("k", 1)
    assert cache.get("k") == 1
