"""iPhone HEIC (HEVC-coded HEIF), decoded by pillow-heif and rendered by the shared pyvips path.

Every file here is a real HEVC bitstream, encoded by the x265 in pillow-heif's wheel.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pillow_heif
import pytest
import pyvips

from proofsheet.imaging.metadata import parse_exif, read_metadata
from proofsheet.imaging.pipeline import render_photo
from proofsheet.imaging.tests.support import (
    IPHONE_STORED,
    JPEG_MAGIC,
    PARIS,
    decode,
    heic_bytes,
    inspect_and_render_outcome,
    iphone_exif,
    is_webp,
    scene,
    write,
)
from proofsheet.imaging.validation import RejectedImage, inspect_image

METADATA_FIELDS = ("exif-data", "xmp-data", "iptc-data", "icc-profile-data")


def _mean(image: pyvips.Image) -> list[float]:
    return [image[band].avg() for band in range(image.bands)]


def _small_heic(**options) -> bytes:
    return heic_bytes(scene(320, 240), exif=iphone_exif(), **options)


def test_the_fixture_is_stored_like_an_iphone_portrait(iphone_heic: Path) -> None:
    """Landscape pixels in HEVC tiles, turned by irot, with EXIF Orientation 6 kept as a copy."""
    data = iphone_heic.read_bytes()
    heif = pillow_heif.open_heif(data)

    assert data[8:12] == b"heic" and b"hvc1" in data and b"grid" in data and b"irot" in data
    assert heif.info["tiling"]["tile_width"] == 512
    assert parse_exif(heif.info["exif"]).orientation == 6
    assert heif.info["icc_profile"]
    assert heif.size == IPHONE_STORED[::-1]  # libheif reports the turned (displayed) size


def test_iphone_heic_is_accepted_as_heic_from_its_header(
    iphone_heic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_decoding(*args: object) -> None:
        raise AssertionError("validation decoded pixels")

    monkeypatch.setattr(pillow_heif.heif.BaseImage, "load", no_decoding)

    info = inspect_image(iphone_heic)

    assert (info.format, info.extension, info.mime_type) == ("heif", ".heic", "image/heic")
    assert (info.width, info.height) == (1512, 2016)  # irot applied: portrait
    assert info.size == iphone_heic.stat().st_size
    assert info.sha256 == hashlib.sha256(iphone_heic.read_bytes()).hexdigest()


def test_iphone_heic_renders_upright_once(iphone_heic: Path) -> None:
    result = render_photo(iphone_heic)

    assert (result.width, result.height) == (1512, 2016)
    sizes = {(r.name, r.format): (r.width, r.height) for r in result.renditions}
    assert sizes == {
        ("thumb", "webp"): (300, 300),
        ("thumb", "jpeg"): (300, 300),
        ("small", "webp"): (240, 320),
        ("small", "jpeg"): (240, 320),
        ("grid", "webp"): (480, 640),
        ("grid", "jpeg"): (480, 640),
        ("preview", "webp"): (1200, 1600),
        ("preview", "jpeg"): (1200, 1600),
    }
    # The stored top-left corner (blue) is shown top-right: turned by irot, and not turned
    # again by the EXIF Orientation tag (which would put it bottom-right, in a landscape).
    preview = decode(result.get("preview", "webp").data)
    r, g, b = _mean(preview.crop(1200 - 150, 0, 150, 150))
    assert b > 180 and r < 80 and g < 100, (r, g, b)
    r, g, b = _mean(preview.crop(0, 0, 150, 150))
    assert b < 180, (r, g, b)


def test_iphone_heic_renditions_carry_no_metadata(iphone_heic: Path) -> None:
    result = render_photo(iphone_heic)

    assert result.metadata.gps_latitude is not None  # the original has a location …
    for rendition in result.renditions:  # … which no public rendition carries
        if rendition.format == "webp":
            assert is_webp(rendition.data)
        else:
            assert rendition.data.startswith(JPEG_MAGIC)
        image = pyvips.Image.new_from_buffer(rendition.data, "")
        fields = image.get_fields()
        assert not [f for f in fields if f in METADATA_FIELDS or f.startswith("exif-")]
        assert (image.format, image.interpretation, image.bands) == ("uchar", "srgb", 3)
        assert b"Exif\0\0" not in rendition.data
        assert b"http://ns.adobe.com/xap/1.0/" not in rendition.data
        assert b"Photoshop 3.0" not in rendition.data
    assert result.placeholder.startswith("data:image/webp;base64,")
    assert 3 <= len(result.palette) <= 6


def test_iphone_heic_metadata(iphone_heic: Path) -> None:
    metadata = read_metadata(iphone_heic)

    assert (metadata.camera_make, metadata.camera_model) == ("Apple", "iPhone 15 Pro")
    assert metadata.lens == "iPhone 15 Pro back triple camera 6.765mm f/1.78"
    assert (metadata.aperture, metadata.iso) == (1.78, 80)
    zone = timezone(timedelta(hours=2))
    assert metadata.captured_at == datetime(2024, 6, 1, 12, 34, 56, tzinfo=zone)
    assert metadata.gps_latitude == pytest.approx(PARIS[0], abs=1e-6)
    assert metadata.gps_longitude == pytest.approx(PARIS[1], abs=1e-6)
    assert metadata.orientation == 1  # irot has oriented the pixels; the EXIF 6 is a copy
    assert render_photo(iphone_heic).metadata == metadata


@pytest.mark.parametrize("tagged_by", ["icc", "nclx"])
def test_display_p3_heic_is_converted_to_srgb(tmp_path: Path, tagged_by: str) -> None:
    """iPhones embed a Display P3 ICC profile; other writers state P3 primaries in an nclx box."""
    source = (pyvips.Image.black(320, 240, bands=3) + [30, 200, 90]).cast("uchar")
    p3 = source.copy(interpretation="srgb").icc_transform("p3", input_profile="srgb")
    if tagged_by == "icc":
        tag: dict = {"icc": p3.get("icc-profile-data")}
    else:
        tag = {"nclx_primaries": 12}  # SMPTE EG 432-1: the Display P3 primaries
    data = heic_bytes(p3.copy(interpretation="srgb"), quality=90, **tag)
    path = write(tmp_path / "p3.heic", data)

    r, g, b = decode(render_photo(path).get("preview", "webp").data).getpoint(160, 120)

    # The P3 numbers shown as sRGB would be ≈ (94, 197, 103); converted, the sRGB green is back.
    assert abs(r - 30) < 12 and abs(g - 200) < 8 and abs(b - 90) < 12, (r, g, b)


def test_ten_bit_heic_renders_as_8_bit_srgb(tmp_path: Path) -> None:
    source = scene(640, 480)
    deep = (source.cast("ushort") * 257).cast("ushort").copy(interpretation="rgb16")
    data = heic_bytes(deep, quality=90)
    assert pillow_heif.open_heif(data).info["bit_depth"] == 10
    path = write(tmp_path / "deep.heic", data)

    info = inspect_image(path)
    result = render_photo(path)

    assert (info.format, info.extension, info.width, info.height) == ("heif", ".heic", 640, 480)
    for fmt in ("webp", "jpeg"):
        preview = decode(result.get("preview", fmt).data)
        assert (preview.width, preview.height) == (640, 480)
        assert (preview.format, preview.interpretation, preview.bands) == ("uchar", "srgb", 3)
        assert abs(preview.avg() - source.avg()) < 3


def test_a_heic_without_exif_or_profile_renders(tmp_path: Path) -> None:
    path = write(tmp_path / "plain.heic", heic_bytes(scene(300, 200)))

    result = render_photo(path)

    assert (result.width, result.height) == (300, 200)
    assert result.metadata.camera_make == ""
    assert abs(decode(result.get("preview", "webp").data).avg() - scene(300, 200).avg()) < 3


def test_heic_limits_apply_to_the_header(iphone_heic: Path) -> None:
    with pytest.raises(RejectedImage) as caught:
        inspect_image(iphone_heic, max_pixels=3_000_000)
    assert caught.value.cause == "too_many_pixels"

    # The whole frame is decoded into memory: 1512 × 2016 × 3 bytes ≈ 8.7 MiB.
    with pytest.raises(RejectedImage) as caught:
        render_photo(iphone_heic, max_buffered_bytes=8 * 2**20)
    assert caught.value.cause == "too_large_to_buffer"
    assert "HEIF image" in caught.value.reason


def test_truncated_heic_is_rejected(tmp_path: Path) -> None:
    data = _small_heic()
    path = write(tmp_path / "cut.heic", data[: len(data) * 2 // 3])

    for check in (inspect_image, render_photo):
        with pytest.raises(RejectedImage) as caught:
            check(path)
        assert caught.value.cause == "truncated"


@pytest.mark.parametrize("damage", ["zeroed payload", "zeroed decoder configuration"])
def test_heic_with_damaged_coded_data_is_a_rejection(tmp_path: Path, damage: str) -> None:
    """An intact container over damaged HEVC data: only the decode can tell, politely."""
    data = bytearray(_small_heic())
    if damage == "zeroed payload":
        start = data.index(b"mdat") + 4
        data[start:] = bytes(len(data) - start)
    else:
        start = data.index(b"hvcC") + 4
        data[start : start + 36] = bytes(36)
    path = write(tmp_path / "damaged.heic", bytes(data))
    assert inspect_image(path).extension == ".heic"  # the header is fine

    with pytest.raises(RejectedImage) as caught:
        render_photo(path)

    assert caught.value.cause == "undecodable"
    assert caught.value.reason == "The HEIF file is damaged: its image data could not be decoded."
    assert caught.value.detail  # the decoder's words, for the log only


def test_heic_with_a_broken_header_is_a_rejection(tmp_path: Path) -> None:
    data = bytearray(_small_heic())
    at = data.index(b"ispe") + 8
    data[at : at + 8] = bytes(8)  # a 0 × 0 image
    path = write(tmp_path / "broken.heic", bytes(data))

    with pytest.raises(RejectedImage) as caught:
        inspect_image(path)

    assert caught.value.cause == "corrupt"
    assert caught.value.reason.startswith("The HEIF file is damaged")


def test_mutated_heics_are_rendered_or_rejected(tmp_path: Path) -> None:
    """Bit flips and overwrites in the container (meta) and in the HEVC data: nothing else."""
    data = _small_heic(tile_size=128, thumbnail=96)
    meta_end = data.index(b"mdat")
    rng = random.Random(20261126)
    outcomes: Counter[str] = Counter()
    for n in range(120):
        mutated = bytearray(data)
        region = meta_end if n % 2 else len(data)  # half aimed at the boxes libheif parses
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(region)
            if rng.random() < 0.5:
                mutated[at] ^= 1 << rng.randrange(8)
            else:
                mutated[at] = rng.choice([0, 1, 0x7F, 0x80, 0xFF, rng.randrange(256)])
        if n % 10 == 9:
            del mutated[rng.randrange(meta_end, len(mutated)) :]
        path = write(tmp_path / f"mutant-{n}.heic", bytes(mutated))
        outcomes[inspect_and_render_outcome(path)] += 1
        path.unlink()

    assert outcomes["rendered"] > 10, outcomes
    assert sum(outcomes.values()) - outcomes["rendered"] > 10, outcomes
