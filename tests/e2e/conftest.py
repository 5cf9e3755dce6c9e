"""Fixtures of the browser journeys."""

import pytest

from tests.support import use_local_media


@pytest.fixture
def server_media(settings, tmp_path):
    """Store photos where the server started by `proofsheet_server` reads them."""
    return use_local_media(settings, tmp_path / "var" / "media")
