"""Generated photos shared by the imaging tests (built once per session, in a temp dir)."""

from __future__ import annotations

from pathlib import Path

import pytest
import pyvips

from proofsheet.imaging.tests.support import (
    IPHONE_STORED,
    heic_bytes,
    iphone_exif,
    scene,
    with_exif,
)


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


@pytest.fixture(scope="session")
def iphone_heic(generated: Path) -> Path:
    """An iPhone-like portrait HEIC: HEVC tiles of 512 px, a 320 px thumbnail item, landscape
    sensor pixels turned by irot with EXIF Orientation 6 kept, Display P3 ICC, EXIF with GPS.

    A blue square marks the stored top-left corner, which an upright portrait shows top-right.
    """
    width, height = IPHONE_STORED
    blue = (pyvips.Image.black(300, 300, bands=3) + [20, 40, 230]).cast("uchar")
    stored = scene(width, height).insert(blue, 0, 0).copy(interpretation="srgb")
    p3 = stored.icc_transform("p3", input_profile="srgb")
    data = heic_bytes(
        p3.copy(interpretation="srgb"),
        exif=iphone_exif(orientation=6),
        icc=p3.get("icc-profile-data"),
        tile_size=512,
        thumbnail=320,
    )
    path = generated / "IMG_0001.HEIC"
    path.write_bytes(data)
    return path
