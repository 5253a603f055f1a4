"""Fixtures of the cross-app tests: the OpenID Connect provider on loopback (single sign-on)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.oidc_provider import server


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[server.Provider]:
    """The test provider (tests/oidc_provider/) as its own process, once per test run."""
    provider = server.start(Path(tmp_path_factory.mktemp("oidc-provider")))
    try:
        yield provider
    finally:
        provider.stop()
