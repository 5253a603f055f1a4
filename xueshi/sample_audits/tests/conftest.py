from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _keys_in_tmp(settings, tmp_path):
    """Certificates sign with keys of their own, in a temporary folder (never var/)."""
    settings.CERTIFICATE_KEYS_DIR = tmp_path / "certificate-keys"
    cache.clear()
