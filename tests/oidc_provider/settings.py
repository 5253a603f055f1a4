"""A small OpenID Connect provider for the single sign-on tests (django-oauth-toolkit).

Run by `tests/oidc_provider/server.py` as its own process: its own SQLite file and RSA signing
key in a temporary folder (OIDC_PROVIDER_DIR), made fresh by each test run. It stands in for a
province's unified identity service: the person logs in, consents, and the ID token and userinfo
carry the ID number (claim `id_card_number`, scope `id_card`). Not part of xueshi.
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR = Path(os.environ["OIDC_PROVIDER_DIR"])

SECRET_KEY = os.environ.get("OIDC_PROVIDER_SECRET_KEY", "oidc-provider-for-tests-only")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oauth2_provider",
    "tests.oidc_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "tests.oidc_provider.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
            ]
        },
    }
]
DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATA_DIR / "provider.sqlite3")}
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
LANGUAGE_CODE = "zh-hans"
STATIC_URL = "/static/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Both sites run on 127.0.0.1 and a cookie ignores the port: the provider's own names keep its
# session apart from xueshi's in one browser.
SESSION_COOKIE_NAME = "provider_sessionid"
CSRF_COOKIE_NAME = "provider_csrftoken"
LOGIN_URL = "/login/"

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": (DATA_DIR / "signing-key.pem").read_text()
    if (DATA_DIR / "signing-key.pem").exists()
    else "",
    "PKCE_REQUIRED": True,
    "SCOPES": {"openid": "OpenID Connect", "profile": "姓名", "id_card": "身份证号"},
    "OAUTH2_VALIDATOR_CLASS": "tests.oidc_provider.claims.IdentityValidator",
}
