"""Tests: fast hashing, media in a temporary folder (see conftest.py), captcha answer fixed."""

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The captcha still has to be sent; in test mode the answer "PASSED" is accepted.
CAPTCHA_TEST_MODE = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
