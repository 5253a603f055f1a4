from __future__ import annotations

from collections.abc import Iterator

import pytest

from xueshi.policy.loader import reload_profiles


@pytest.fixture(autouse=True)
def _fresh_profiles() -> Iterator[None]:
    """Each test reads the profile folder its settings name, not a cache from another test."""
    reload_profiles()
    yield
    reload_profiles()
