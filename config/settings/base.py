"""Settings shared by every mode: values from the environment, with safe development defaults."""

import hashlib
from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

# Personal data at rest (xueshi/core/crypto.py, docs/security.md): SM4 keys as ordered
# "id:hex" entries, the first is current; LOOKUP_KEY keys the HMAC-SM3 lookup digests.
# Development and tests derive fixed keys, so `make run` needs nothing; production refuses them.
DEV_PERSONAL_DATA_KEYS = ["dev1:" + hashlib.sha256(b"xueshi dev personal data").hexdigest()[:32]]
DEV_LOOKUP_KEY = hashlib.sha256(b"xueshi dev lookup").hexdigest()
PERSONAL_DATA_KEYS = env.list("PERSONAL_DATA_KEYS", default=DEV_PERSONAL_DATA_KEYS)
LOOKUP_KEY = env("LOOKUP_KEY", default=DEV_LOOKUP_KEY)
# Lookup keys being retired: still tried by lookups until `rotate_keys` has recomputed every
# digest under LOOKUP_KEY (docs/security.md, "Rotating the keys").
PREVIOUS_LOOKUP_KEYS = env.list("PREVIOUS_LOOKUP_KEYS", default=[])
# The audit log's hash chain is keyed (HMAC-SM3, xueshi/core/audit.py): someone who can write
# to the database but does not hold this key cannot rebuild the chain after an edit.
DEV_AUDIT_CHAIN_KEY = hashlib.sha256(b"xueshi dev audit chain").hexdigest()
AUDIT_CHAIN_KEY = env("AUDIT_CHAIN_KEY", default=DEV_AUDIT_CHAIN_KEY)
# A database with audit rows from before the chain was keyed: the last such row's id, fixed at
# the upgrade (docs/security.md); 0 accepts no unkeyed row.
AUDIT_CHAIN_LEGACY_UNTIL_ID = env.int("AUDIT_CHAIN_LEGACY_UNTIL_ID", default=0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_htmx",
    "csp",
    "captcha",
    "xueshi.core.third_party.Axes",
    # Second factor (TOTP, recovery codes): xueshi/accounts/otp.py, docs/security.md.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "xueshi.core.third_party.TasksDatabase",
    "xueshi.core",
    "xueshi.orgs",
    "xueshi.accounts",
    "xueshi.policy",
    "xueshi.declarations",
    "xueshi.review",
    "xueshi.notifications",
    "xueshi.ledger",
    "xueshi.applications",
    "xueshi.imports",
    "xueshi.reports",
    "xueshi.supplements",
    "xueshi.transfers",
    "xueshi.certificates",
    "xueshi.sample_audits",
    "xueshi.oversight",
    "xueshi.recognition",
    "xueshi.units",
    "xueshi.plans",
    "xueshi.notices",
    "xueshi.portal",
    "xueshi.api",
    "ninja",  # its own Swagger UI files, served locally (no CDN)
]

MIDDLEWARE = [
    # Behind a balancer (TRUSTED_PROXIES): the client's address from X-Forwarded-For, first.
    "xueshi.core.middleware.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Public endpoints (login, captcha, registration, verification): too many requests → 429.
    "xueshi.core.ratelimit.RateLimitMiddleware",
    # A body over UPLOAD_MAX_REQUEST_MB → 413 while it streams, before anything reads it.
    "xueshi.core.upload_limits.UploadLimitMiddleware",
    # Before any view (and the CSRF check) reads the query string or the form: NUL → 400.
    "xueshi.core.middleware.RejectNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "xueshi.accounts.middleware.ActiveRoleMiddleware",
    # Gives audit rows written by services the request's IP address and active role.
    "xueshi.core.middleware.AuditContextMiddleware",
    # A session older than SESSION_ABSOLUTE_HOURS ends, however active it was.
    "xueshi.accounts.middleware.SessionLifetimeMiddleware",
    # Admins (and whoever enrolled) give their TOTP code before anything else.
    "xueshi.accounts.middleware.OTPRequiredMiddleware",
    "xueshi.accounts.middleware.ForcePasswordChangeMiddleware",
    # AxesMiddleware must stay last: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

# Addresses of the balancers in front of the app servers (`make prod`: 127.0.0.1); requests
# from them carry the client's address in X-Forwarded-For. Empty: REMOTE_ADDR is the client.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "xueshi" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "xueshi.accounts.context_processors.active_role",
                "xueshi.notifications.context_processors.unread",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# SQLite by default (zero set-up); PostgreSQL when DATABASE_URL=postgres://... is set.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'xueshi.sqlite3'}")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL: readers never block the writer nor the writer the readers, so the worker's long export
    # read and the web process's writes go on together (in the default journal mode the read
    # held the lock and a write failed with "database is locked"). synchronous=NORMAL is safe
    # in WAL mode (a power cut may lose the last commits, never corrupt the file).
    # timeout: wait for the write lock instead of failing at once (the busy timeout).
    # IMMEDIATE: a transaction takes the write lock when it begins, so two concurrent
    # transitions queue instead of both reading the old state (SQLite has no row locks), and a
    # read transaction never has to upgrade to a write (an upgrade cannot wait: it fails).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        timeout=20,
        transaction_mode="IMMEDIATE",
    )
    # A bare `manage.py migrate` on a fresh clone must find the folder of the default file
    # (only `make run` made it before: "unable to open database file", issue 23).
    _sqlite_name = str(DATABASES["default"].get("NAME") or "")
    if _sqlite_name and _sqlite_name != ":memory:" and not _sqlite_name.startswith("file:"):
        Path(_sqlite_name).parent.mkdir(parents=True, exist_ok=True)

# A streaming read replica (docs/deploy.md): DATABASE_REPLICA_URL adds the alias `replica`, which
# statistics and exports read from (xueshi/core/replica.py). Without it they read from default.
READ_REPLICA_ALIAS = ""
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    READ_REPLICA_ALIAS = "replica"
DATABASE_ROUTERS = ["xueshi.core.replica.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses locked-out credentials before any other backend runs.
    "axes.backends.AxesStandaloneBackend",
    "xueshi.accounts.backends.IdentifierBackend",
    # Single sign-on (统一身份认证): only a login that comes back from a region's provider.
    "xueshi.accounts.sso.RegionOIDCBackend",
]

# Single sign-on per region (accounts/sso.py, README "统一身份认证"): a JSON object keyed by
# profile key, e.g. {"xinjiang": {"name": "新疆政务服务网", "issuer": "https://…", "client_id":
# "…"}}; each client secret only from SSO_CLIENT_SECRET_<KEY> (upper case), never in the JSON.
SSO_PROVIDERS = env.json("SSO_PROVIDERS", default={})
SSO_CLIENT_SECRETS = {
    key: env(f"SSO_CLIENT_SECRET_{key.upper()}", default="") for key in SSO_PROVIDERS
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "xueshi.accounts.validators.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "xueshi.accounts.validators.ChineseCommonPasswordValidator"},
    {"NAME": "xueshi.accounts.validators.PinyinNameValidator"},
    {"NAME": "xueshi.accounts.validators.IdNumberDigitsValidator"},
    {"NAME": "xueshi.accounts.validators.PasswordHistoryValidator", "OPTIONS": {"count": 5}},
]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "xueshi" / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "xueshi" / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))

# Sessions end after this many idle minutes: every request pushes the expiry forward.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=15)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# However active, a session ends this many hours after its login (absolute lifetime).
SESSION_ABSOLUTE_HOURS = env.int("SESSION_ABSOLUTE_HOURS", default=8)

# Second factor: the issuer shown in the authenticator app beside the account.
OTP_TOTP_ISSUER = "继续教育学时平台"
# Recovery codes (static tokens) made at enrolment, each usable once.
OTP_RECOVERY_CODES = 10

# Audit rows are kept this many days (at least 184; `manage.py purge_audit` removes older ones).
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=184)

# django-axes: 5 failures on one account locks it for 30 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "xueshi.accounts.backends.axes_username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# Lockout by address too (xueshi/accounts/views.py, LoginView): this many failed logins from one
# IP address within AXES_COOLOFF_TIME refuse every login from it until the window passes. Far
# above the per-account 5: a hospital or university shares one NAT address.
LOGIN_IP_FAILURE_LIMIT = env.int("LOGIN_IP_FAILURE_LIMIT", default=30)

# django-simple-captcha: an image drawn on the server, no third-party service.
CAPTCHA_IMAGE_SIZE = (120, 40)
CAPTCHA_FONT_SIZE = 30
CAPTCHA_LENGTH = 4
CAPTCHA_CHALLENGE_FUNCT = "captcha.helpers.random_char_challenge"
CAPTCHA_TIMEOUT = 5
CAPTCHA_TEST_MODE = env.bool("CAPTCHA_TEST_MODE", default=False)

# Forms render through our templates (templates/django/forms/), styled for Bootstrap 5.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# Background work (imports, exports, certificate batches): Django's tasks API, stored in the
# database and run by `manage.py db_worker` (started by `make run`).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# The JSON API (/api/v1/): requests per key (or per logged-in user, or per address) and period.
API_RATE_LIMIT = env("API_RATE_LIMIT", default="600/m")
# Short messages (找回密码, notifications a person opted into) go by SMS through this adapter
# (a class with send(destination, text): a province names its gateway's) or by EMAIL_BACKEND.
SMS_SENDER = env("SMS_SENDER", default="xueshi.core.messaging.ConsoleSmsSender")
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="noreply@xueshi.example.cn")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
# Certificates (issue 15): each authority's signing keys and seal live outside the database, in
# this folder (made by `manage.py certificate_keys`); the QR code on a certificate points at
# CERTIFICATE_VERIFY_BASE_URL + /verify/<number>/; public verification answers at most
# CERTIFICATE_VERIFY_RATE requests per address and minute.
CERTIFICATE_KEYS_DIR = Path(
    env("CERTIFICATE_KEYS_DIR", default=str(BASE_DIR / "var" / "certificate-keys"))
)
CERTIFICATE_VERIFY_BASE_URL = env("CERTIFICATE_VERIFY_BASE_URL", default="http://127.0.0.1:8000")
CERTIFICATE_VERIFY_RATE = env.int("CERTIFICATE_VERIFY_RATE", default=30)

# Policy profiles: one YAML file per region; the file stem is Organization.policy_profile.
POLICY_PROFILES_DIR = Path(env("POLICY_PROFILES_DIR", default=str(BASE_DIR / "profiles")))

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}

# Lockout is per account, not per address: a whole hospital or university often shares one
# NAT address, and locking it would shut every colleague out because of one person's typos.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Content-Security-Policy (django-csp 4, docs/security.md): scripts only from our own static
# files (no inline script, no on*= handler, no eval: HTMX's allowEval is off in base.html), no
# plugins, no framing, forms post only to us. Styles: files from us; style="" attributes are
# allowed (progress bar widths) but no <style> element (HTMX's indicator styles are off too).
# CSP_REPORT_URI: where browsers send violation reports (none by default).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-elem": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "report-uri": env.list("CSP_REPORT_URI", default=[]) or None,
    }
}

# Uploads (docs/security.md): a request body bigger than UPLOAD_MAX_REQUEST_MB is refused while
# it streams in (xueshi.core.upload_limits.LimitedUploadHandler), before it is written anywhere; a
# form field body above DATA_UPLOAD_MAX_MEMORY_SIZE is refused by Django. Files larger than
# FILE_UPLOAD_MAX_MEMORY_SIZE are spooled to a temporary file instead of memory. Keep the
# proxy's limit (nginx client_max_body_size) at or a little above UPLOAD_MAX_REQUEST_MB.
UPLOAD_MAX_REQUEST_MB = env.int("UPLOAD_MAX_REQUEST_MB", default=110)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_HANDLERS = [
    "xueshi.core.upload_limits.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Cache: rate-limit counters and the worker's heartbeat. Local memory by default (one process);
# production sets CACHE_URL=redis://… so every web process and the worker share one.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://xueshi")}
# The bell's unread count is kept in the cache (xueshi/notifications/selectors.py) when the
# cache is shared by the processes (Redis in production): with a per-process cache a message
# the worker creates would reach the web process's bell only when its cached count expires.
NOTIFICATIONS_UNREAD_CACHE = env.bool(
    "NOTIFICATIONS_UNREAD_CACHE",
    default=not CACHES["default"]["BACKEND"].endswith("LocMemCache"),
)

# Rate limits (xueshi/core/ratelimit.py): "<requests>/<seconds>" per client address and
# endpoint group; over it the answer is 429 with a Chinese page. RATELIMIT_ENABLED=false turns
# them off (never in production).
RATELIMIT_ENABLED = env.bool("RATELIMIT_ENABLED", default=True)
RATELIMITS = {
    "login": env("RATELIMIT_LOGIN", default="20/300"),
    "captcha": env("RATELIMIT_CAPTCHA", default="60/300"),
    "public": env("RATELIMIT_PUBLIC", default="60/300"),
    # 个人注册: each POST registers (or tries to) an account; far fewer than a search.
    "registration": env("RATELIMIT_REGISTRATION", default="10/3600"),
    # 从证书照片开始: each POST reads a photo in the web process (seconds, hundreds of MB).
    "recognition": env("RATELIMIT_RECOGNITION", default="10/300"),
}

# Health (/health/): the worker is alive when its heartbeat is younger than this.
WORKER_HEARTBEAT_MAX_AGE_SECONDS = env.int("WORKER_HEARTBEAT_MAX_AGE_SECONDS", default=180)
