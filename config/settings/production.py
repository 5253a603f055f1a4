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

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Rate limits stay on in production (xueshi/core/ratelimit.py); CACHE_URL=redis://… shares the
# counters (and the worker heartbeat) between processes.
if not RATELIMIT_ENABLED:  # noqa: F405
    raise ImproperlyConfigured("生产模式不能关闭访问频率限制（RATELIMIT_ENABLED）。")
