"""Production: refuses to start without SECRET_KEY or the personal data keys, and passes
`manage.py check --deploy`."""

from django.core.exceptions import ImproperlyConfigured

from xueshi.core.crypto import parse_audit_key, parse_keys

from .base import *  # noqa: F403
from .base import env

# Test and development switches are refused, not silently overridden: a production site that
# was started with one of them set is misconfigured (issue 21: CAPTCHA_TEST_MODE was accepted).
for _switch in ("DEBUG", "CAPTCHA_TEST_MODE"):
    if env.bool(_switch, default=False):
        raise ImproperlyConfigured(f"生产模式不能开启测试或调试开关 {_switch}。")
DEBUG = False
CAPTCHA_TEST_MODE = False
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY or SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured("生产模式必须设置环境变量 SECRET_KEY（至少 50 个随机字符）。")

# Personal data keys come from the environment only (docs/security.md): none, or the
# development ones, and the site does not start.
PERSONAL_DATA_KEYS = env.list("PERSONAL_DATA_KEYS", default=[])
LOOKUP_KEY = env("LOOKUP_KEY", default="")
PREVIOUS_LOOKUP_KEYS = env.list("PREVIOUS_LOOKUP_KEYS", default=[])
AUDIT_CHAIN_KEY = env("AUDIT_CHAIN_KEY", default="")
if not PERSONAL_DATA_KEYS or not LOOKUP_KEY or not AUDIT_CHAIN_KEY:
    raise ImproperlyConfigured(
        "生产模式必须设置环境变量 PERSONAL_DATA_KEYS、LOOKUP_KEY 和 AUDIT_CHAIN_KEY。"
    )
if (
    set(PERSONAL_DATA_KEYS) & set(DEV_PERSONAL_DATA_KEYS)  # noqa: F405
    or LOOKUP_KEY == DEV_LOOKUP_KEY  # noqa: F405
    or AUDIT_CHAIN_KEY == DEV_AUDIT_CHAIN_KEY  # noqa: F405
):
    raise ImproperlyConfigured("生产模式不能使用开发用的个人信息密钥或审计密钥。")
parse_keys(PERSONAL_DATA_KEYS, LOOKUP_KEY, PREVIOUS_LOOKUP_KEYS)
parse_audit_key(AUDIT_CHAIN_KEY)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Evidence, certificates, photos, import and export files: the local folder MEDIA_ROOT, or with
# S3_BUCKET an S3-compatible object store (SeaweedFS under `make prod`, docs/deploy.md). The
# bucket is private: no public URL is ever handed out, every file goes through a view that
# checks permissions and streams `storage.open()` (the app servers then hold no files).
STATIC_STORAGE = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
S3_BUCKET = env("S3_BUCKET", default="")
if S3_BUCKET:
    STORAGES = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": S3_BUCKET,
                "endpoint_url": env("S3_ENDPOINT_URL"),
                "access_key": env("S3_ACCESS_KEY_ID"),
                "secret_key": env("S3_SECRET_ACCESS_KEY"),
                "region_name": env("S3_REGION", default="us-east-1"),
                # Private objects; a URL (never shown to users) is signed and short-lived.
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": 60,
                "file_overwrite": False,
                "addressing_style": "path",
                "signature_version": "s3v4",
            },
        },
        "staticfiles": STATIC_STORAGE,
    }
else:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": STATIC_STORAGE,
    }

# Redis (REDIS_URL): the cache (rate limits, worker heartbeat), the sessions (so any app server
# answers any request) and the task queue (RQ, workers as separate processes:
# `manage.py rqworker default --with-scheduler`). Without it: CACHE_URL, database sessions and
# the database queue.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "xueshi",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    # The cache is shared by the processes now: the bell's count can live in it (base.py).
    NOTIFICATIONS_UNREAD_CACHE = env.bool("NOTIFICATIONS_UNREAD_CACHE", default=True)
    INSTALLED_APPS = [*INSTALLED_APPS, "django_rq"]  # noqa: F405
    RQ_QUEUES = {"default": {"URL": env("TASKS_REDIS_URL", default=REDIS_URL)}}
    # Workers run django-tasks' tasks through its Job class (so `rqworker` needs no --job-class).
    RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}

# Rate limits stay on in production (xueshi/core/ratelimit.py); CACHE_URL=redis://… shares the
# counters (and the worker heartbeat) between processes.
if not RATELIMIT_ENABLED:  # noqa: F405
    raise ImproperlyConfigured("生产模式不能关闭访问频率限制（RATELIMIT_ENABLED）。")
