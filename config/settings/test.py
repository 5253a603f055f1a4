"""Tests: fast hashing, media in a temporary folder (see conftest.py), captcha answer fixed."""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The captcha still has to be sent; in test mode the answer "PASSED" is accepted.
CAPTCHA_TEST_MODE = True
# Tasks run at once, in the test's own thread and transaction.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# 找回密码 by SMS: kept in OutboxSmsSender.outbox (mail goes to django.core.mail.outbox).
SMS_SENDER = "xueshi.core.messaging.OutboxSmsSender"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files are not collected for tests; WhiteNoise would warn about the missing folder.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405

# SQLite tests use a file, not memory: the live server of the browser tests and the threads of
# the concurrency tests then share one database with real locking (IMMEDIATE transactions).
# One file per test process, so two test runs on one machine never meet.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    import os

    (BASE_DIR / "var").mkdir(exist_ok=True)  # noqa: F405
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")  # noqa: F405
    }

# The read replica's alias exists in tests as a mirror of default (the same test database, its
# own connection), but the router uses it only where a test turns READ_REPLICA_ALIAS on
# (xueshi/core/tests/test_replica.py, transactional tests: the mirror sees committed rows only).
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
READ_REPLICA_ALIAS = ""

# Query counts in tests do not depend on what an earlier request left in the cache: the bell
# counts in the table (tests/test_page_cost.py and the benchmark turn the cache on).
NOTIFICATIONS_UNREAD_CACHE = False
