"""EXIF as the photographer expects to see it, from real cameras and from hostile files."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proofsheet.imaging.metadata import PhotoMetadata, parse_exif, read_metadata
from proofsheet.imaging.tests.support import PHOTOS, scene, with_exif, write
from proofsheet.imaging.validation import RejectedImage


def test_canon_40d() -> None:
    metadata = read_metadata(PHOTOS / "Canon_40D.jpg")

    assert metadata == PhotoMetadata(
        camera_make="Canon",
        camera_model="Canon EOS 40D",
        lens="",  # this camera kept its lens only in maker notes, which we do not parse
        focal_length_mm=135.0,
        aperture=7.1,
        shutter_seconds=1 / 160,
        iso=100,
        captured_at=datetime(2008, 5, 30, 15, 56, 1),  # camera-local: naive
        orientation=1,
    )


def test_nikon_d70_with_the_lens_from_xmp() -> None:
    metadata = read_metadata(PHOTOS / "Nikon_D70.jpg")

    assert (metadata.camera_make, metadata.camera_model) == ("NIKON CORPORATION", "NIKON D70")
    assert metadata.lens == "100.0 mm f/2.8"
    assert (metadata.focal_length_mm, metadata.aperture, metadata.iso) == (100.0, 9.0, 200)
    assert metadata.shutter_seconds == 1 / 200
    assert metadata.captured_at == datetime(2008, 3, 15, 9, 52, 1)


def test_gps_coordinates_are_read() -> None:
    metadata = read_metadata(PHOTOS / "gps" / "DSCN0010.jpg")

    # 43° 28' 2.814" N, 11° 53' 6.456" E: near Arezzo, Tuscany.
    assert metadata.gps_latitude == pytest.approx(43.467448, abs=1e-6)
    assert metadata.gps_longitude == pytest.approx(11.885127, abs=1e-6)
    assert metadata.camera_model == "COOLPIX P6000"


@pytest.mark.parametrize("n", range(1, 9))
def test_orientation_is_read(n: int) -> None:
    assert read_metadata(PHOTOS / "orientation" / f"portrait_{n}.jpg").orientation == n


def test_offset_time_makes_the_capture_time_aware_and_south_west_is_negative(
    tmp_path: Path,
) -> None:
    path = tmp_path / "travel.jpg"
    fields = {
        "exif-ifd2-DateTimeOriginal": "2024:06:01 12:34:56",
        "exif-ifd2-SubSecTimeOriginal": "25",
        "exif-ifd2-OffsetTimeOriginal": "-03:00",
        "exif-ifd3-GPSLatitudeRef": "S",
        "exif-ifd3-GPSLatitude": "22/1 54/1 3000/100",
        "exif-ifd3-GPSLongitudeRef": "W",
        "exif-ifd3-GPSLongitude": "43/1 12/1 0/1",
    }
    with_exif(scene(64, 48), fields).jpegsave(str(path))

    metadata = read_metadata(path)

    zone = timezone(-timedelta(hours=3))
    assert metadata.captured_at == datetime(2024, 6, 1, 12, 34, 56, 250000, tzinfo=zone)
    assert metadata.gps_latitude == pytest.approx(-22.908333, abs=1e-6)
    assert metadata.gps_longitude == pytest.approx(-43.2, abs=1e-6)
    data = json.loads(json.dumps(metadata.as_dict()))
    assert data["captured_at"] == "2024-06-01T12:34:56.250000-03:00"
    assert data["gps_latitude"] == metadata.gps_latitude


def test_placeholder_dates_and_hostile_strings_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "odd.jpg"
    fields = {
        "exif-ifd0-Make": "Evil\x1b[31m Corp\x07",
        "exif-ifd0-Model": "X" * 500,
        "exif-ifd2-DateTimeOriginal": "0000:00:00 00:00:00",
    }
    with_exif(scene(64, 48), fields).jpegsave(str(path))

    metadata = read_metadata(path)

    assert metadata.camera_make == "Evil[31m Corp"  # control characters gone
    assert len(metadata.camera_model) == 128
    assert metadata.captured_at is None


def test_a_photo_without_exif_has_empty_metadata(tmp_path: Path) -> None:
    path = write(tmp_path / "plain.png", scene(32, 32).pngsave_buffer())

    assert read_metadata(path) == PhotoMetadata()
    assert json.dumps(read_metadata(path).as_dict())


def test_read_metadata_rejects_what_is_not_a_photo(tmp_path: Path) -> None:
    path = write(tmp_path / "x.jpg", b"<svg xmlns='http://www.w3.org/2000/svg'/>")

    with pytest.raises(RejectedImage) as caught:
        read_metadata(path)
    assert caught.value.cause == "svg"


def test_garbage_exif_never_raises() -> None:
    rng = random.Random(3)
    real = (PHOTOS / "Nikon_D70.jpg").read_bytes()
    blob = real[real.index(b"Exif\0\0") : real.index(b"Exif\0\0") + 2000]
    for _ in range(300):
        mutated = bytearray(blob)
        for _ in range(rng.randint(1, 20)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        assert isinstance(parse_exif(bytes(mutated)), PhotoMetadata)


@settings(max_examples=300, deadline=None, database=None)  # no .hypothesis dir
@given(st.binary(max_size=600), st.sampled_from([b"II*\0\x08\0\0\0", b"MM\0*\0\0\0\x08"]))
def test_any_bytes_after_a_tiff_header_parse_without_error(body: bytes, header: bytes) -> None:
    metadata = parse_exif(b"Exif\0\0" + header + body)

    assert 1 <= metadata.orientation <= 8
    json.dumps(metadata.as_dict())


def test_heif_orientation_is_applied_by_the_decoder_not_reported(tmp_path: Path) -> None:
    """libheif turns HEIF pixels by irot/imir; an EXIF tag left in the file must not turn them."""
    data = with_exif(scene(64, 48), {"exif-ifd0-Make": "Proofsheet"}, orientation=6)
    path = write(tmp_path / "turned.avif", data.heifsave_buffer(compression="av1", effort=0))

    metadata = read_metadata(path)

    assert (metadata.camera_make, metadata.orientation) == ("Proofsheet", 1)
