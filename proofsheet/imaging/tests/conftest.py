"""Generated photos shared by the imaging tests (built once per session, in a temp dir)."""

from __future__ import annotations

from pathlib import Path

import pytest

from proofsheet.imaging.tests.support import scene, with_exif


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("imaging")


@pytest.fixture(scope="session")
def camera_jpeg(generated: Path) -> Path:
    """A 3000×2000 camera-like JPEG with EXIF and GPS."""
    path = generated / "camera.jpg"
    image = with_exif(
        scene(3000, 2000),
        {
            "exif-ifd0-Make": "Proofsheet",
            "exif-ifd0-Model": "Test Camera",
            "exif-ifd3-GPSLatitudeRef": "N",
            "exif-ifd3-GPSLatitude": "48/1 51/1 2400/100",
            "exif-ifd3-GPSLongitudeRef": "E",
            "exif-ifd3-GPSLongitude": "2/1 21/1 300/100",
        },
    )
    image.jpegsave(str(path), Q=90)
    return path


@pytest.fixture(scope="session")
def progressive_jpeg(generated: Path) -> Path:
    """The same pixels as `camera_jpeg`, progressive."""
    path = generated / "progressive.jpg"
    scene(3000, 2000).jpegsave(str(path), Q=90, interlace=True)
    return path
