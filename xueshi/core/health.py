"""`/health/`: is this instance able to serve? JSON for the load balancer and monitoring.

Four checks, each a plain function returning (ok, detail):

* **database** — a `SELECT 1` on the default connection;
* **cache** — a value written and read back (rate limits depend on it);
* **storage** — a small file written, read back and deleted in the media storage (a full or
  read-only disk fails here);
* **worker** — with the database task backend (`manage.py db_worker`), no task has waited in the
  queue longer than `WORKER_HEARTBEAT_MAX_AGE_SECONDS`; each call queues a `heartbeat_task`
  when none is waiting, so a dead worker shows within that time even when nothing else is queued.
  With the RQ backend (production with REDIS_URL), at least one worker is registered in Redis
  for the queue (RQ workers beat every few seconds and drop out when they die). With another
  backend (tests run tasks at once) there is no worker to check.

200 `{"status": "ok", …}` when every check passes, else 503 `{"status": "fail", …}`. The details
say which part failed, never why (the reason goes to the log): the endpoint is public.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult
from django_tasks_rq.backend import RQBackend
from rq.worker import Worker

from .tasks import heartbeat_task

logger = logging.getLogger(__name__)

HEALTH_FOLDER = "health"


def check_database() -> tuple[bool, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        ok = cursor.fetchone() == (1,)
    return ok, "可用" if ok else "查询结果异常"


def check_cache() -> tuple[bool, str]:
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    ok = cache.get(key) == "ok"
    cache.delete(key)
    return ok, "可用" if ok else "写入后读不回"


def check_storage() -> tuple[bool, str]:
    payload = uuid.uuid4().hex.encode()
    name = default_storage.save(f"{HEALTH_FOLDER}/{payload.decode()}.txt", ContentFile(payload))
    try:
        with default_storage.open(name) as stored:
            ok = stored.read() == payload
    finally:
        default_storage.delete(name)
    return ok, "可读写" if ok else "写入后读不回"


def check_rq_workers(backend: RQBackend) -> tuple[bool, str]:
    workers = sum(Worker.count(queue=queue) for queue in backend._get_queues())
    if not workers:
        return False, "没有后台进程在处理任务队列"
    return True, f"正常（{workers} 个后台进程）"


def check_worker() -> tuple[bool, str]:
    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    if isinstance(backend, RQBackend):
        return check_rq_workers(backend)
    if not isinstance(backend, DatabaseBackend):
        return True, "未使用后台进程（任务即时执行）"
    heartbeat = heartbeat_task.module_path
    waiting = DBTaskResult.objects.ready()
    if not waiting.filter(task_path=heartbeat).exists():
        heartbeat_task.enqueue()
    max_age = timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS)
    oldest = waiting.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    if oldest is not None and timezone.now() - oldest > max_age:
        waited = int((timezone.now() - oldest).total_seconds())
        return False, f"队列中的任务已等待 {waited} 秒，后台进程可能已停止"
    return True, "正常"


CHECKS: dict[str, Callable[[], tuple[bool, str]]] = {
    "database": check_database,
    "cache": check_cache,
    "storage": check_storage,
    "worker": check_worker,
}


def run_checks() -> dict[str, dict[str, object]]:
    results: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        try:
            ok, detail = check()
        except Exception:  # any failure of a part is that part's failure, never a 500
            logger.exception("Health check %s failed", name)
            ok, detail = False, "不可用"
        results[name] = {"ok": ok, "detail": detail}
    return results


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    checks = run_checks()
    ok = all(result["ok"] for result in checks.values())
    return JsonResponse(
        {"status": "ok" if ok else "fail", "checks": checks},
        status=200 if ok else 503,
        json_dumps_params={"ensure_ascii": False},
    )
