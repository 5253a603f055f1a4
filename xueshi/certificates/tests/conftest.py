"""Each test signs with keys of its own, in a temporary folder (never var/)."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _keys_in_tmp(settings, tmp_path):
    settings.CERTIFICATE_KEYS_DIR = tmp_path / "certificate-keys"
    cache.clear()  # the verification pages' rate limit counts per test
