"""Upload validation: the type comes from the bytes, and every bad file gets a clear reason."""

from __future__ import annotations

import hashlib
import io
import random
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import pyvips

from proofsheet.imaging._containers import SNIFF_BYTES
from proofsheet.imaging.pipeline import render_photo
from proofsheet.imaging.tests.support import (
    BYTE,
    LONG,
    PHOTOS,
    heic_bytes,
    jpeg_coded_heif,
    photoshop_jpeg,
    png_bytes,
    png_with_text,
    scene,
    tiff_bytes,
    write,
)
from proofsheet.imaging.validation import ImageInfo, RejectedImage, inspect_image

CANON = PHOTOS / "Canon_40D.jpg"


def _jpeg(width: int = 320, height: int = 240, **options) -> bytes:
    return scene(width, height).jpegsave_buffer(Q=85, **options)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.html", "<html><script>alert(1)</script></html>")
    return buffer.getvalue()


def _with_comment(jpeg: bytes, text: bytes) -> bytes:
    """Insert a COM segment right after SOI, where a browser sniffing the start would see it."""
    segment = b"\xff\xfe" + (len(text) + 2).to_bytes(2, "big") + text
    return jpeg[:2] + segment + jpeg[2:]


def _many_scans(progressive: bytes, copies: int) -> bytes:
    """Repeat a progressive JPEG's last scan until the file has far too many."""
    last_scan = progressive.rindex(b"\xff\xda")
    return progressive[:-2] + progressive[last_scan:-2] * copies + b"\xff\xd9"


def _animated_webp() -> bytes:
    frames = scene(64, 64 * 3).copy()
    frames.set_type(pyvips.GValue.gint_type, "page-height", 64)
    return frames.webpsave_buffer(Q=70)


REJECTED: dict[str, tuple[Callable[[], bytes], str, str]] = {
    # case: (file contents, code, a word the uploader must see in the reason)
    "empty file": (lambda: b"", "empty", "empty"),
    "random bytes": (
        lambda: random.Random(7).randbytes(4096),
        "unsupported",
        "not a supported image",
    ),
    "svg": (
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"></svg>',
        "svg",
        "SVG",
    ),
    "svg with xml prolog": (
        lambda: b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>',
        "svg",
        "SVG",
    ),
    "html": (
        lambda: b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
        "html",
        "HTML",
    ),
    "pdf": (lambda: b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n", "pdf", "PDF"),
    "eps": (lambda: b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 9 9\n", "eps", "EPS"),
    "gif": (lambda: _gif(), "gif", "GIF"),
    "psd": (lambda: b"8BPS\x00\x01" + b"\0" * 64, "psd", "Photoshop"),
    "zip": (_zip, "zip", "ZIP"),
    "mp4 video": (
        lambda: b"\0\0\0\x18ftypisom\0\0\x02\0isomiso2" + b"\0" * 64,
        "video",
        "Video",
    ),
    "jpeg + html after end of image": (
        lambda: _jpeg() + b"<html><script>fetch('/steal')</script></html>",
        "polyglot",
        "HTML",
    ),
    "jpeg + zip after end of image": (lambda: _jpeg() + _zip(), "polyglot", "ZIP"),
    "jpeg + pdf after end of image": (
        lambda: _jpeg() + b"%PDF-1.4\n1 0 obj<<>>endobj\n",
        "polyglot",
        "PDF",
    ),
    "jpeg with script in a comment near the start": (
        lambda: _with_comment(_jpeg(), b"<script>alert(document.cookie)</script>"),
        "polyglot",
        "HTML",
    ),
    # A Photoshop JPEG with an Apple plist is accepted (tests below); HTML where a tool acts is not.
    "photoshop jpeg with an html doctype in its early bytes": (
        lambda: photoshop_jpeg(thumbnail=False, caption=b"<!DOCTYPE html>"),
        "polyglot",
        "HTML",
    ),
    "photoshop jpeg + html doctype after end of image": (
        lambda: photoshop_jpeg() + b"<!DOCTYPE html>\n",
        "polyglot",
        "HTML",
    ),
    "jpeg with a pdf header in a segment near the start": (
        lambda: _with_comment(_jpeg(), b"%PDF-1.7\n"),
        "polyglot",
        "PDF",
    ),
    "png with php in a text chunk": (
        lambda: png_with_text(
            png_bytes(16, 16, depth=8), b"Comment", b"<?php system($_GET[c]); ?>"
        ),
        "polyglot",
        "HTML",
    ),
    "jpeg cut in half": (lambda: _jpeg()[: len(_jpeg()) // 2], "truncated", "incomplete"),
    "png cut short": (lambda: png_bytes(64, 64, depth=8)[:-20], "truncated", "incomplete"),
    "png bomb over the pixel limit": (
        lambda: png_bytes(30000, 30000, idat=b"\x78\x9c\x03\x00\x00\x00\x00\x01"),
        "too_many_pixels",
        "megapixels",
    ),
    "png decompression bomb": (lambda: png_bytes(10000, 10000), "decompression_bomb", "bomb"),
    "extremely narrow strip": (lambda: _jpeg(2000, 20), "aspect_ratio", "narrow"),
    "jpeg with hundreds of scans": (
        lambda: _many_scans(_jpeg(interlace=True), 150),
        "too_complex",
        "scans",
    ),
    "animated webp": (_animated_webp, "animated", "Animated"),
    "dng-like raw": (
        lambda: tiff_bytes(scene(32, 32), {50706: (BYTE, [1, 4, 0, 0])}),
        "raw",
        "RAW",
    ),
    "nef-like raw (reduced-resolution first image)": (
        lambda: tiff_bytes(scene(32, 32), {254: (LONG, [1])}),
        "raw",
        "RAW",
    ),
    # Neither libheif in the process (pyvips-binary's: AV1; pillow-heif's: HEVC) decodes it.
    "jpeg-coded heif": (lambda: jpeg_coded_heif(64, 48), "unsupported_codec", "codec"),
}


@pytest.mark.parametrize("case", list(REJECTED))
def test_bad_uploads_are_rejected_with_a_clear_reason(tmp_path: Path, case: str) -> None:
    contents, code, word = REJECTED[case]
    data = contents()
    path = write(tmp_path / "upload.jpg", data)  # the name claims JPEG; only bytes count

    with pytest.raises(RejectedImage) as caught:
        inspect_image(path)

    error = caught.value
    assert error.cause == code, error.reason
    assert word.lower() in error.reason.lower()
    assert error.reason.endswith(".")
    assert error.sha256 == hashlib.sha256(data).hexdigest()  # for the structured log (R14)
    # The render task re-validates: the same file fails there as a rejection, never a crash.
    with pytest.raises(RejectedImage):
        render_photo(path)


def test_a_pixel_limit_from_settings_applies(tmp_path: Path) -> None:
    path = write(tmp_path / "photo.jpg", _jpeg(400, 300))
    assert inspect_image(path, max_pixels=120_000).width == 400

    with pytest.raises(RejectedImage) as caught:
        inspect_image(path, max_pixels=100_000)
    assert caught.value.cause == "too_many_pixels"
    assert "0.12 megapixels; the limit is 0.1 megapixels" in caught.value.reason


def test_progressive_jpeg_beyond_the_memory_cap_is_rejected(progressive_jpeg: Path) -> None:
    assert inspect_image(progressive_jpeg).progressive

    with pytest.raises(RejectedImage) as caught:
        inspect_image(progressive_jpeg, max_buffered_bytes=1_000_000)
    assert caught.value.cause == "too_large_to_buffer"
    assert "progressive JPEG" in caught.value.reason


def test_tiff_can_be_refused_by_settings(tmp_path: Path) -> None:
    path = write(tmp_path / "scan.tif", tiff_bytes(scene(40, 30)))
    assert inspect_image(path).format == "tiff"

    allowed = frozenset({"jpeg", "png", "webp", "heif"})
    with pytest.raises(RejectedImage) as caught:
        inspect_image(path, allowed_formats=allowed)
    assert caught.value.cause == "format_not_allowed"


def test_a_png_named_jpg_is_accepted_as_png(tmp_path: Path) -> None:
    data = scene(120, 80).pngsave_buffer()
    path = write(tmp_path / "holiday.jpg", data)

    info = inspect_image(path)

    assert info == ImageInfo(
        format="png",
        width=120,
        height=80,
        extension=".png",
        mime_type="image/png",
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
    )


@pytest.mark.parametrize(
    ("make", "fmt", "extension", "mime"),
    [
        (lambda: scene(90, 60).webpsave_buffer(), "webp", ".webp", "image/webp"),
        (lambda: tiff_bytes(scene(90, 60)), "tiff", ".tif", "image/tiff"),
        (lambda: scene(90, 60).pngsave_buffer(bitdepth=16), "png", ".png", "image/png"),
        (
            lambda: scene(90, 60).heifsave_buffer(compression="av1", effort=0),
            "heif",
            ".avif",
            "image/avif",
        ),
        (lambda: heic_bytes(scene(90, 60)), "heif", ".heic", "image/heic"),
        # A motion photo: phones append a video after the JPEG's end-of-image marker.
        (
            lambda: _jpeg(90, 60) + b"\0\0\0\x18ftypmp42" + bytes(range(256)) * 40,
            "jpeg",
            ".jpg",
            "image/jpeg",
        ),
    ],
    ids=["webp", "tiff", "png 16-bit", "avif", "hevc heic", "jpeg with appended video"],
)
def test_accepted_formats(tmp_path: Path, make, fmt: str, extension: str, mime: str) -> None:
    path = write(tmp_path / "upload.bin", make())

    info = inspect_image(path)

    assert (info.format, info.extension, info.mime_type) == (fmt, extension, mime)
    assert (info.width, info.height) == (90, 60)


def test_heif_container_brand_is_read(tmp_path: Path) -> None:
    """An AV1 image in a HEIC-branded container is still HEIF, and is named by its codec."""
    avif = scene(90, 60).heifsave_buffer(compression="av1", effort=0)
    branded = avif.replace(b"ftypavif", b"ftypheic", 1)
    path = write(tmp_path / "IMG_0001.HEIC", branded)

    info = inspect_image(path)

    assert info.format == "heif"
    assert info.extension == ".avif"


@pytest.mark.parametrize(
    ("thumbnail", "sniffed"),
    [(False, True), (True, False)],
    ids=["plist within the bytes sniffers read", "plist after the thumbnail"],
)
def test_a_photoshop_jpeg_with_an_apple_plist_is_accepted(
    tmp_path: Path, thumbnail: bool, sniffed: bool
) -> None:
    """Photoshop on a Mac keeps the page setup, an XML plist with its DOCTYPE, in APP13."""
    data = photoshop_jpeg(thumbnail=thumbnail)
    assert (data.index(b"<!DOCTYPE plist") < SNIFF_BYTES) is sniffed

    info = inspect_image(write(tmp_path / "Edited.jpg", data))

    assert (info.format, info.width, info.height) == ("jpeg", 640, 480)


def test_markup_deep_inside_metadata_is_accepted(tmp_path: Path) -> None:
    """A caption pasted from a web page, past the bytes any sniffer reads, is only metadata."""
    data = photoshop_jpeg(
        caption=b'<img src="https://studio.example/logo.png"> The Lumiere wedding'
    )
    assert data.index(b"<img") > SNIFF_BYTES

    assert inspect_image(write(tmp_path / "Captioned.jpg", data)).format == "jpeg"


@pytest.mark.parametrize("path", sorted(PHOTOS.rglob("*.jpg")), ids=lambda p: p.name)
def test_real_camera_photos_are_accepted(path: Path) -> None:
    """No false alarm on real EXIF, XMP, maker notes and thumbnails."""
    info = inspect_image(path)

    stored = pyvips.Image.new_from_file(str(path))
    assert (info.format, info.width, info.height) == ("jpeg", stored.width, stored.height)
    assert info.size == path.stat().st_size
    assert info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_loaders_for_other_formats_are_blocked_in_the_process() -> None:
    """Defence in depth (R13): even a file that slipped past sniffing meets no SVG/GIF loader."""
    inspect_image(CANON)

    for data in (b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>', _gif()):
        with pytest.raises(pyvips.Error, match="not in a known format"):
            pyvips.Image.new_from_buffer(data, "").avg()
    assert pyvips.Image.new_from_buffer(_jpeg(), "").width == 320  # photos still load


def _gif() -> bytes:
    return scene(16, 16).gifsave_buffer()
