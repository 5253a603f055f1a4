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
    "captcha",
    "axes",
    "django_tasks",
    "django_tasks_db",
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
    "xueshi.units",
    "xueshi.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before any view (and the CSRF check) reads the query string or the form: NUL → 400.
    "xueshi.core.middleware.RejectNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "xueshi.accounts.middleware.ActiveRoleMiddleware",
    # Gives audit rows written by services the request's IP address and active role.
    "xueshi.core.middleware.AuditContextMiddleware",
    "xueshi.accounts.middleware.ForcePasswordChangeMiddleware",
    # AxesMiddleware must stay last: it turns a lockout into its response.
    "axes.middleware.AxesMiddleware",
]

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

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses locked-out credentials before any other backend runs.
    "axes.backends.AxesStandaloneBackend",
    "xueshi.accounts.backends.IdentifierBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "xueshi.accounts.validators.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
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
