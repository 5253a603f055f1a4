import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files of a test land in its own temporary folder, never in the project."""
    settings.MEDIA_ROOT = tmp_path / "media"
