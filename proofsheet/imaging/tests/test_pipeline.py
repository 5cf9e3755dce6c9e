"""Renditions as a visitor sees them: upright, sized, stripped, watermarked, in real formats."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
import pyvips

from proofsheet.imaging import validation
from proofsheet.imaging import watermark as watermarks
from proofsheet.imaging.metadata import read_metadata
from proofsheet.imaging.pipeline import RenderResult, Watermark, render_photo
from proofsheet.imaging.tests.support import (
    JPEG_MAGIC,
    PHOTOS,
    decode,
    is_webp,
    jpeg_coded_heif,
    scene,
    tiff_bytes,
    with_exif,
    write,
)
from proofsheet.imaging.validation import RejectedImage, inspect_image

ORIENTED = sorted((PHOTOS / "orientation").glob("*.jpg"))
GPS = sorted((PHOTOS / "gps").glob("*.jpg"))
HEX = re.compile(r"^#[0-9a-f]{6}$")
METADATA_FIELDS = ("exif-data", "xmp-data", "iptc-data", "icc-profile-data")


def _pixels(result: RenderResult, name: str = "preview", fmt: str = "jpeg") -> pyvips.Image:
    return decode(result.get(name, fmt).data)


@pytest.mark.parametrize("path", ORIENTED, ids=lambda p: p.name)
def test_every_orientation_comes_out_upright(path: Path) -> None:
    result = render_photo(path)

    landscape = path.name.startswith("landscape")
    for rendition in result.renditions:
        if rendition.name != "thumb":  # the square crop has no orientation to show
            assert (rendition.width > rendition.height) == landscape, rendition
    assert (result.width > result.height) == landscape
    preview = _pixels(result)
    assert (preview.width > preview.height) == landscape


@pytest.mark.parametrize("path", GPS, ids=lambda p: p.name)
def test_no_rendition_carries_gps_or_any_metadata(path: Path) -> None:
    metadata = read_metadata(path)
    assert metadata.gps_latitude is not None  # the original does carry a location …
    assert metadata.gps_longitude is not None

    result = render_photo(path)

    for rendition in result.renditions:  # … and no public rendition does
        image = pyvips.Image.new_from_buffer(rendition.data, "")
        fields = image.get_fields()
        assert not [f for f in fields if f in METADATA_FIELDS or f.startswith("exif-")]
        assert b"Exif\0\0" not in rendition.data
        assert b"http://ns.adobe.com/xap/1.0/" not in rendition.data
        assert b"Photoshop 3.0" not in rendition.data  # the IPTC container
    assert result.metadata.gps_latitude == metadata.gps_latitude  # private, for the owner


def test_sizes_and_formats(camera_jpeg: Path) -> None:
    result = render_photo(camera_jpeg)

    sizes = {(r.name, r.format): (r.width, r.height) for r in result.renditions}
    assert sizes == {
        ("thumb", "webp"): (300, 300),
        ("thumb", "jpeg"): (300, 300),
        ("small", "webp"): (320, 214),
        ("small", "jpeg"): (320, 214),
        ("grid", "webp"): (640, 427),
        ("grid", "jpeg"): (640, 427),
        ("preview", "webp"): (1600, 1067),
        ("preview", "jpeg"): (1600, 1067),
    }
    for rendition in result.renditions:
        if rendition.format == "webp":
            assert is_webp(rendition.data)
        else:
            assert rendition.data.startswith(JPEG_MAGIC)
        image = decode(rendition.data)
        assert (image.width, image.height) == (rendition.width, rendition.height)
        assert (image.format, image.interpretation, image.bands) == ("uchar", "srgb", 3)
    assert (result.width, result.height) == (3000, 2000)


def test_small_photos_are_not_upscaled_except_the_square_thumb() -> None:
    result = render_photo(PHOTOS / "Canon_40D.jpg")  # 100 × 68

    assert (result.get("preview", "webp").width, result.get("preview", "webp").height) == (100, 68)
    assert (result.get("grid", "jpeg").width, result.get("grid", "jpeg").height) == (100, 68)
    assert (result.get("thumb", "jpeg").width, result.get("thumb", "jpeg").height) == (300, 300)


def test_camera_portrait_with_orientation_tag(generated: Path) -> None:
    path = generated / "portrait.jpg"
    with_exif(scene(3000, 2000), {}, orientation=6).jpegsave(str(path))

    result = render_photo(path)

    assert (result.width, result.height) == (2000, 3000)
    preview = result.get("preview", "jpeg")
    assert (preview.width, preview.height) == (1067, 1600)


def test_panorama_still_gets_a_square_thumb(tmp_path: Path) -> None:
    path = tmp_path / "pano.jpg"
    scene(4000, 160).jpegsave(str(path))

    result = render_photo(path)

    assert (result.get("thumb", "webp").width, result.get("thumb", "webp").height) == (300, 300)
    assert result.get("preview", "webp").width == 1600


def test_watermark_marks_the_preview_only_and_is_deterministic(camera_jpeg: Path) -> None:
    mark = Watermark(text="© Studio Lumière & Co <proof>", position="bottom-right", opacity=0.5)

    clean = render_photo(camera_jpeg)
    marked = render_photo(camera_jpeg, watermark=mark)
    again = render_photo(camera_jpeg, watermark=mark)

    assert marked.get("preview", "webp").data == again.get("preview", "webp").data
    assert marked.get("preview", "jpeg").data == again.get("preview", "jpeg").data
    before, after = _pixels(clean, fmt="webp"), _pixels(marked, fmt="webp")
    w, h = before.width, before.height
    corner = (before - after).abs().crop(w * 3 // 4, h * 3 // 4, w // 4, h // 4)
    untouched = (before - after).abs().crop(0, 0, w // 2, h // 2)
    assert corner.max() > 40  # the mark is plainly visible where it was placed …
    assert untouched.max() == 0  # … and nowhere else
    for name in ("thumb", "grid"):
        assert marked.get(name, "webp").data == clean.get(name, "webp").data


def test_tiled_watermark_covers_the_whole_preview(camera_jpeg: Path) -> None:
    clean = _pixels(render_photo(camera_jpeg))
    tiled = _pixels(render_photo(camera_jpeg, watermark=Watermark(text="PROOF", position="tiled")))

    diff = (clean - tiled).abs()
    w, h = diff.width // 2, diff.height // 2
    for x, y in ((0, 0), (w, 0), (0, h), (w, h)):
        assert diff.crop(x, y, w, h).max() > 40, (x, y)


def test_logo_watermark(camera_jpeg: Path, tmp_path: Path) -> None:
    logo = scene(200, 100).bandjoin(255)  # opaque logo with an alpha band
    logo_path = tmp_path / "logo.png"
    logo.pngsave(str(logo_path))

    clean = _pixels(render_photo(camera_jpeg))
    marked = _pixels(
        render_photo(camera_jpeg, watermark=Watermark(logo_path=logo_path, position="top-left"))
    )

    diff = (clean - marked).abs()
    assert diff.crop(0, 0, 400, 250).max() > 20
    assert diff.crop(800, 600, 800, 467).max() == 0


def test_a_replaced_logo_is_used_at_once(tmp_path: Path) -> None:
    """Same path, new logo: neither our mark cache nor libvips's file cache may serve the old."""
    photo = scene(400, 300).copy_memory()
    logo_path = tmp_path / "logo.png"
    mark = Watermark(logo_path=logo_path, position="center", opacity=1.0, size=0.5)
    solid = lambda rgb: (pyvips.Image.black(100, 50, bands=3) + rgb).cast("uchar")  # noqa: E731

    solid([255, 0, 0]).bandjoin(255).pngsave(str(logo_path))
    red = watermarks.apply(photo, mark).getpoint(200, 150)
    solid([0, 0, 255]).bandjoin(255).pngsave(str(logo_path))
    blue = watermarks.apply(photo, mark).getpoint(200, 150)

    assert red == [255, 0, 0]
    assert blue == [0, 0, 255]


def test_a_logo_that_is_not_png_or_webp_is_a_settings_error(
    camera_jpeg: Path, tmp_path: Path
) -> None:
    logo_path = write(tmp_path / "logo.png", scene(50, 20).jpegsave_buffer())

    with pytest.raises(ValueError, match="PNG or WebP"):
        render_photo(camera_jpeg, watermark=Watermark(logo_path=logo_path))


@pytest.mark.parametrize(
    "options",
    [{"position": "middle"}, {"opacity": 1.5}, {"size": 0}, {"text": "  "}],
    ids=["position", "opacity", "size", "nothing to draw"],
)
def test_watermark_settings_are_checked(options: dict) -> None:
    with pytest.raises(ValueError):
        Watermark(**{"text": "©", **options})


def test_placeholder_and_palette(camera_jpeg: Path) -> None:
    result = render_photo(camera_jpeg)

    assert result.placeholder.startswith("data:image/webp;base64,")
    assert len(result.placeholder) < 1024
    tiny = decode(base64.b64decode(result.placeholder.split(",", 1)[1]))
    assert max(tiny.width, tiny.height) <= 24
    assert 3 <= len(result.palette) <= 6
    assert all(HEX.match(colour) for colour in result.palette)


def test_palette_of_a_mostly_red_photo_leads_with_red(tmp_path: Path) -> None:
    red = (pyvips.Image.black(400, 300, bands=3) + [200, 20, 25]).cast("uchar")
    image = red.insert((pyvips.Image.black(80, 300, bands=3) + [20, 60, 200]).cast("uchar"), 320, 0)
    image = image.insert(
        (pyvips.Image.black(400, 30, bands=3) + [240, 240, 240]).cast("uchar"), 0, 0
    )
    path = tmp_path / "red.png"
    image.copy(interpretation="srgb").pngsave(str(path))

    palette = render_photo(path).palette

    r, g, b = (int(palette[0][i : i + 2], 16) for i in (1, 3, 5))
    assert r > 170 and g < 60 and b < 60, palette
    assert len(palette) >= 3


def test_sixteen_bit_png_renders_as_8_bit_srgb(tmp_path: Path) -> None:
    source = scene(400, 300)
    path = tmp_path / "deep.png"
    (source.cast("ushort") * 257).copy(interpretation="rgb16").pngsave(str(path), bitdepth=16)

    result = render_photo(path)

    preview = _pixels(result)
    assert (preview.format, preview.interpretation, preview.bands) == ("uchar", "srgb", 3)
    assert abs(preview.avg() - source.avg()) < 2


def test_cmyk_jpeg_renders_as_srgb_with_its_colours(tmp_path: Path) -> None:
    red = (pyvips.Image.black(300, 200, bands=3) + [200, 30, 30]).cast("uchar")
    cmyk = red.copy(interpretation="srgb").icc_transform("cmyk", input_profile="srgb")
    path = tmp_path / "print.jpg"
    cmyk.jpegsave(str(path))
    assert pyvips.Image.new_from_file(str(path)).interpretation == "cmyk"

    for fmt in ("jpeg", "webp"):
        preview = _pixels(render_photo(path), fmt=fmt)
        assert (preview.format, preview.interpretation, preview.bands) == ("uchar", "srgb", 3)
        r, g, b = preview.getpoint(150, 100)
        assert r > 150 and g < 90 and b < 90, (r, g, b)


def test_embedded_icc_profile_is_converted_to_srgb(tmp_path: Path) -> None:
    source = (pyvips.Image.black(300, 200, bands=3) + [30, 200, 90]).cast("uchar")
    source = source.copy(interpretation="srgb")
    path = tmp_path / "p3.jpg"
    source.icc_transform("p3", input_profile="srgb").jpegsave(str(path), Q=95)

    r, g, b = _pixels(render_photo(path), fmt="webp").getpoint(150, 100)

    # Display-P3 numbers shown as sRGB would be visibly off (≈ 94, 197, 103); converted, they
    # are the original sRGB green.
    assert abs(r - 30) < 12 and abs(g - 200) < 8 and abs(b - 90) < 12, (r, g, b)


def test_alpha_is_flattened_on_white_for_jpeg_and_kept_in_webp(tmp_path: Path) -> None:
    image = scene(300, 200).bandjoin(0)  # fully transparent
    path = tmp_path / "cutout.png"
    image.pngsave(str(path))

    result = render_photo(path)

    jpeg = _pixels(result)
    assert jpeg.bands == 3 and jpeg.min() >= 250  # white, not black
    assert _pixels(result, fmt="webp").bands == 4


def test_avif_and_heic_branded_heif_render(tmp_path: Path) -> None:
    avif = scene(640, 480).heifsave_buffer(compression="av1", effort=0)
    for name, data in (
        ("photo.avif", avif),
        ("IMG_0001.HEIC", avif.replace(b"ftypavif", b"ftypheic")),
    ):
        result = render_photo(write(tmp_path / name, data))

        preview = _pixels(result)
        assert (preview.width, preview.height) == (640, 480)
        assert (preview.format, preview.interpretation, preview.bands) == ("uchar", "srgb", 3)


def test_iphone_heic_renders_through_the_same_path(iphone_heic: Path, camera_jpeg: Path) -> None:
    """HEVC is decoded by pillow-heif; the renditions are made as for a JPEG (test_heic.py)."""
    heic, jpeg = render_photo(iphone_heic), render_photo(camera_jpeg)

    assert [(r.name, r.format) for r in heic.renditions] == [
        (r.name, r.format) for r in jpeg.renditions
    ]
    assert (heic.width, heic.height) == (1512, 2016)
    assert heic.metadata.camera_model == "iPhone 15 Pro"


def test_a_codec_libvips_lacks_is_still_a_rejection_at_render(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Validation refuses codecs nothing here decodes; were one let through, the decode says so."""
    path = write(tmp_path / "odd.heif", jpeg_coded_heif(64, 48))
    monkeypatch.setattr(validation, "DECODABLE_HEIF_CODECS", frozenset({"hevc", "av1", "jpeg"}))

    with pytest.raises(RejectedImage) as caught:
        render_photo(path)

    assert caught.value.cause == "unsupported_codec"
    assert "codec" in caught.value.reason


def test_tiff_renders_with_its_metadata(tmp_path: Path) -> None:
    exif = {36867: (2, "2021:09:14 08:30:00"), 33437: (5, [(56, 10)])}
    data = tiff_bytes(scene(600, 400), {271: (2, "Hasselblad"), 274: (3, [8])}, exif)
    path = write(tmp_path / "scan.tif", data)

    result = render_photo(path)

    assert (result.width, result.height) == (400, 600)  # Orientation 8: rotated to portrait
    assert result.metadata.camera_make == "Hasselblad"
    assert result.metadata.aperture == 5.6
    assert result.metadata.captured_at is not None and result.metadata.captured_at.year == 2021


def test_progressive_jpeg_renders_like_its_baseline_twin(
    camera_jpeg: Path, progressive_jpeg: Path
) -> None:
    baseline = _pixels(render_photo(camera_jpeg))
    progressive = _pixels(render_photo(progressive_jpeg))

    assert (progressive.width, progressive.height) == (1600, 1067)
    assert (baseline - progressive).abs().avg() < 2


def test_truncated_jpeg_never_reaches_the_caller_as_a_decoder_error(tmp_path: Path) -> None:
    data = scene(800, 600).jpegsave_buffer()
    path = write(tmp_path / "cut.jpg", data[: len(data) // 2])

    with pytest.raises(RejectedImage) as caught:
        render_photo(path)

    assert caught.value.cause == "truncated"


def test_damaged_image_data_is_a_rejection_not_a_decoder_error(tmp_path: Path) -> None:
    """Intact header, damaged pixels: only decoding can tell, and it must say so politely."""
    data = bytearray(scene(800, 600).pngsave_buffer())
    damaged = data.index(b"IDAT") + 2000
    data[damaged : damaged + 64] = bytes(64)
    path = write(tmp_path / "damaged.png", bytes(data))
    assert inspect_image(path).format == "png"  # the header is fine

    with pytest.raises(RejectedImage) as caught:
        render_photo(path)

    assert caught.value.cause == "undecodable"
    assert caught.value.reason == "The PNG file is damaged: its image data could not be decoded."
    assert "libpng" in caught.value.detail  # the decoder's words, for the log only
