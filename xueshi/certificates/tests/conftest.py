"""Each test signs with keys of its own, in a temporary folder (never var/)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from .helpers import GX_PERSON, approve, general_hours, training_claim


@pytest.fixture(autouse=True)
def _keys_in_tmp(settings, tmp_path):
    settings.CERTIFICATE_KEYS_DIR = tmp_path / "certificate-keys"
    cache.clear()  # the verification pages' rate limit counts per test


@pytest.fixture
def compliant(demo, django_capture_on_commit_callbacks):
    """覃海燕: 公需 30 + two approved 培训班 of 32 学时 each = 94, professional 64 ≥ 60."""
    with django_capture_on_commit_callbacks(execute=True):
        general_hours(demo, GX_PERSON, "30", "GX-1")
        first = approve(demo, training_claim(demo, days=4, title="教学能力提升培训班"))
    with django_capture_on_commit_callbacks(execute=True):
        second = approve(demo, training_claim(demo, days=4, title="课程思政研修班", month=2))
    return demo, first, second
