import pytest


@pytest.fixture(autouse=True)
def _own_media(media):
    """Every gallery test stores files in its own temporary folders."""
    return media
