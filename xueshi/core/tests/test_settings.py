"""Production mode: refuses to start without SECRET_KEY or the personal data keys, passes
`check --deploy` with them."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]


def run_check(*args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SECRET_KEY", "PERSONAL_DATA_KEYS", "LOOKUP_KEY", "AUDIT_CHAIN_KEY")
    }
    env.update(DJANGO_SETTINGS_MODULE="config.settings.production", ALLOWED_HOSTS="example.cn")
    env.update(environment)
    return subprocess.run(  # noqa: S603 (fixed arguments)
        [sys.executable, "manage.py", "check", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_secret_key():
    result = run_check()
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


SECRET = "k" * 30 + "-x7Q!" * 6
KEYS = {
    "PERSONAL_DATA_KEYS": "k2:" + "ab" * 16 + ",k1:" + "cd" * 16,
    "LOOKUP_KEY": "ef" * 32,
    "AUDIT_CHAIN_KEY": "9a" * 32,
}


def test_production_passes_deploy_checks():
    result = run_check("--deploy", "--fail-level", "WARNING", SECRET_KEY=SECRET, **KEYS)
    assert result.returncode == 0, result.stderr


def test_production_refuses_to_start_without_personal_data_keys():
    result = run_check(SECRET_KEY=SECRET)
    assert result.returncode != 0
    assert "PERSONAL_DATA_KEYS" in result.stderr


def test_production_refuses_to_start_without_the_audit_chain_key():
    result = run_check(SECRET_KEY=SECRET, **{**KEYS, "AUDIT_CHAIN_KEY": ""})
    assert result.returncode != 0
    assert "AUDIT_CHAIN_KEY" in result.stderr


def test_production_refuses_the_development_keys():
    dev = {
        "PERSONAL_DATA_KEYS": ",".join(settings.DEV_PERSONAL_DATA_KEYS),
        "LOOKUP_KEY": settings.DEV_LOOKUP_KEY,
        "AUDIT_CHAIN_KEY": "9a" * 32,
    }
    result = run_check(SECRET_KEY=SECRET, **dev)
    assert result.returncode != 0
    assert "开发用" in result.stderr
    result = run_check(
        SECRET_KEY=SECRET, **{**KEYS, "AUDIT_CHAIN_KEY": settings.DEV_AUDIT_CHAIN_KEY}
    )
    assert result.returncode != 0
    assert "开发用" in result.stderr


def test_production_refuses_a_malformed_key():
    result = run_check(SECRET_KEY=SECRET, **{**KEYS, "PERSONAL_DATA_KEYS": "k1:abcd"})
    assert result.returncode != 0
    assert "16 字节" in result.stderr
    result = run_check(SECRET_KEY=SECRET, **{**KEYS, "PREVIOUS_LOOKUP_KEYS": "zz"})
    assert result.returncode != 0
    assert "PREVIOUS_LOOKUP_KEYS" in result.stderr


def test_locale_and_time_zone():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ


def test_idle_sessions_end_after_fifteen_minutes_by_default():
    assert settings.SESSION_COOKIE_AGE == 15 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST


def test_production_refuses_captcha_test_mode():
    """Issue 21: "CAPTCHA_TEST_MODE is accepted in production settings"."""
    result = run_check(SECRET_KEY=SECRET, CAPTCHA_TEST_MODE="true", **KEYS)
    assert result.returncode != 0
    assert "生产模式不能开启测试或调试开关 CAPTCHA_TEST_MODE" in result.stderr


def test_production_refuses_debug():
    result = run_check(SECRET_KEY=SECRET, DEBUG="true", **KEYS)
    assert result.returncode != 0
    assert "生产模式不能开启测试或调试开关 DEBUG" in result.stderr


def test_production_keeps_the_second_factor_and_the_password_rules():
    """Nothing in production settings turns TOTP or a password rule off."""
    code = (
        "from django.conf import settings;"
        "print(settings.CAPTCHA_TEST_MODE, settings.DEBUG,"
        " 'django_otp.middleware.OTPMiddleware' in settings.MIDDLEWARE,"
        " 'xueshi.accounts.middleware.OTPRequiredMiddleware' in settings.MIDDLEWARE,"
        " len(settings.AUTH_PASSWORD_VALIDATORS))"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("CAPTCHA_TEST_MODE", "DEBUG")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        ALLOWED_HOSTS="example.cn",
        SECRET_KEY=SECRET,
        **KEYS,
    )
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["False", "False", "True", "True", "7"]
