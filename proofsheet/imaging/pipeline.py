"""Turn one validated photo into its web renditions with a single shrink-on-load decode.

`Image.thumbnail` decodes at most once, straight to ≤ 1600 px (libjpeg and libwebp scale while
decoding), applies the EXIF orientation, and converts embedded ICC profiles (and CMYK) to sRGB.
Everything else — grid, square thumbnail, placeholder, palette — is derived from that in-memory
preview, so the cost of a 24 MP photo stays close to the bare thumbnail's (bench/imaging.py).

Encoder settings, measured on the bench corpus (24 MP camera-like JPEGs, one core, watermarked
preview; CPU of the whole set over a bare `thumbnail(path, 1600).jpegsave_buffer()`):

    WebP effort 2, progressive JPEG        2.07×
    WebP effort 1, progressive JPEG        1.87×
    WebP effort 0, progressive JPEG        1.79×  (the CI straddles the 1.8× budget)
    WebP effort 0, progressive preview     1.77×
    WebP effort 1, optimised baseline JPEG 1.75×
    WebP effort 0, optimised baseline JPEG 1.65×  ← chosen: 9 % headroom on a noisy machine

- WebP q78, effort 0: effort 1 and 2 save 1-2 % of bytes at equal PSNR (effort 2 costs 1.5×
  effort 0 on the preview); efforts 3-4 save ≈ 3 % for 3.5× the time.
- JPEG q82 with optimised Huffman tables, baseline: progressive was only 0.3-1.6 % smaller on
  the preview and cost ≈ 2× the encode (28 vs 14 ms); it would only help the rare client that
  gets the JPEG fallback instead of WebP. `JPEG_PROGRESSIVE` flips it. Trellis quantisation
  saved 12 % of bytes at 0.4 dB lower PSNR for 4× the encode (+70 ms, a third of the budget).
- AVIF is not produced: at 1600 px effort 0 costs ≈ 63 ms (half a bare thumbnail), effort 1
  ≈ 86 ms, effort 2 ≈ 390 ms (q50: 23-38 % fewer bytes than our WebP, quality not matched);
  even effort 0 would take the set to ≈ 2.2× the bare thumbnail (bench/imaging.py prints it).
- ICC: a transform is requested only when the file embeds a profile or is CMYK. Asking libvips
  for sRGB output from an untagged file made `thumbnail` 2.5× slower, for no change in pixels.
- HEVC-coded HEIF (iPhone HEIC) is decoded by pillow-heif (`_heic`: pyvips-binary has no HEVC
  decoder) at full size, since HEVC cannot shrink on load, upright and 8-bit; `thumbnail_image`
  then takes it to ≤ 1600 px with the same colour handling, and all else is shared. Validation
  caps the whole-frame buffer (`max_buffered_bytes`), as for every HEIF.
- Progressive input JPEGs need no special route: libjpeg still shrinks on load (DCT scaling),
  at ≈ 2× the CPU of the baseline twin and ≈ 1.8× its peak memory (144 vs 81 MB for 24 MP),
  because the whole coefficient buffer is held; validation caps that buffer
  (`max_buffered_bytes`) and the number of scans.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyvips

from proofsheet.imaging import _heic, colours
from proofsheet.imaging import watermark as watermarks
from proofsheet.imaging._heic import HevcHeader
from proofsheet.imaging._vips import field as vips_field
from proofsheet.imaging._vips import missing_codec, unsupported_codec
from proofsheet.imaging.errors import RejectedImage
from proofsheet.imaging.metadata import (
    PhotoMetadata,
    metadata_from_header,
    metadata_from_hevc,
    metadata_from_tiff_file,
)
from proofsheet.imaging.validation import (
    ALLOWED_FORMATS,
    MAX_ASPECT,
    MAX_BUFFERED_BYTES,
    MAX_PIXELS,
    MAX_RATIO,
    Checked,
    Limits,
    check_file,
)
from proofsheet.imaging.watermark import Watermark

__all__ = ["RenderResult", "Rendition", "Watermark", "render_photo"]

PREVIEW_EDGE, GRID_EDGE, SMALL_EDGE, THUMB_EDGE = 1600, 640, 320, 300
JPEG_QUALITY, JPEG_PROGRESSIVE, WEBP_QUALITY, WEBP_EFFORT = 82, False, 78, 0
_STRIP = pyvips.enums.ForeignKeep.NONE  # no EXIF, XMP, IPTC, ICC or anything else (R17)
_MIME = {"webp": "image/webp", "jpeg": "image/jpeg"}
_EXTENSIONS = {"webp": ".webp", "jpeg": ".jpg"}


@dataclass(frozen=True)
class Rendition:
    """One encoded derivative of a photo, ready to store."""

    name: str  # "thumb" | "small" | "grid" | "preview"
    format: str  # "webp" | "jpeg"
    width: int
    height: int
    data: bytes = field(repr=False)

    @property
    def mime_type(self) -> str:
        return _MIME[self.format]

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self.format]


@dataclass(frozen=True)
class RenderResult:
    """All renditions of a photo plus what the gallery shows around them."""

    renditions: list[Rendition]  # thumb, grid, preview; each as WebP then JPEG
    width: int  # of the original after auto-orientation
    height: int
    placeholder: str  # data: URI of a ~20 px WebP
    palette: list[str]  # "#rrggbb", most dominant first
    metadata: PhotoMetadata

    def get(self, name: str, format: str) -> Rendition:
        """Return the rendition called `name` in `format` ("webp" or "jpeg")."""
        return next(r for r in self.renditions if r.name == name and r.format == format)


def render_photo(
    path: Path,
    *,
    watermark: Watermark | None = None,
    max_pixels: int = MAX_PIXELS,
    max_ratio: float = MAX_RATIO,
    max_aspect: float = MAX_ASPECT,
    max_buffered_bytes: int = MAX_BUFFERED_BYTES,
    allowed_formats: frozenset[str] = ALLOWED_FORMATS,
) -> RenderResult:
    """Validate `path`, decode it once and return its renditions (watermarked preview).

    Raises RejectedImage for any file that fails validation or decoding; the limits are the same
    keyword arguments as `inspect_image`, re-checked here because the worker must not trust that
    the file it reads is the one that was inspected at upload.
    """
    path = Path(path)
    limits = Limits(max_pixels, max_ratio, max_aspect, max_buffered_bytes, allowed_formats)
    checked = check_file(path, limits)
    metadata = _metadata(path, checked)
    try:
        return _render(path, checked, metadata, watermark)
    except pyvips.Error as error:
        if missing_codec(error):
            raise unsupported_codec() from None
        raise RejectedImage(
            f"The {checked.kind.upper()} file is damaged: its image data could not be decoded.",
            code="undecodable",
            detail=str(error),
        ) from None


def render_web_download(path: Path, *, max_pixels: int = MAX_PIXELS) -> bytes:
    """A clean (unwatermarked) web-size JPEG, ≤ PREVIEW_EDGE, upright, without metadata.

    For galleries whose photographer allows free downloads; made on first request, then kept.
    """
    path = Path(path)
    limits = Limits(max_pixels, MAX_RATIO, MAX_ASPECT, MAX_BUFFERED_BYTES, ALLOWED_FORMATS)
    checked = check_file(path, limits)
    try:
        image = _decode(path, checked.header)
        return colours.flatten(image).jpegsave_buffer(Q=90, optimize_coding=True, keep=_STRIP)
    except pyvips.Error as error:
        raise RejectedImage(
            "The original could not be decoded.", code="undecodable", detail=str(error)
        ) from None


PRINT_EDGE = 3600  # the "print size" download (catalog.Resolution.PRINT)
FULL_EDGE = 100_000  # "no cap": the decode keeps the original's own size


def render_clean_download(path: Path, *, edge: int, max_pixels: int = MAX_PIXELS) -> bytes:
    """A clean JPEG of a purchase, ≤ `edge` px, upright, sRGB, with no metadata (no GPS).

    `edge=PRINT_EDGE` for print-size downloads, `FULL_EDGE` for the full resolution re-encoded.
    """
    path = Path(path)
    limits = Limits(max_pixels, MAX_RATIO, MAX_ASPECT, MAX_BUFFERED_BYTES, ALLOWED_FORMATS)
    checked = check_file(path, limits)
    try:
        if isinstance(checked.header, HevcHeader):
            image = _decode(path, checked.header, edge=edge)
        else:
            # Streamed from the file to the encoder: a full-size 24 MP photo is never held whole.
            options = {"height": edge, "size": "down"} | _colour_options(checked.header)
            image = _to_srgb8(pyvips.Image.thumbnail(str(path), edge, fail_on="error", **options))
        return colours.flatten(image).jpegsave_buffer(Q=92, optimize_coding=True, keep=_STRIP)
    except pyvips.Error as error:
        if missing_codec(error):
            raise unsupported_codec() from None
        raise RejectedImage(
            "The original could not be decoded.", code="undecodable", detail=str(error)
        ) from None


def _metadata(path: Path, checked: Checked) -> PhotoMetadata:
    if checked.kind == "tiff":  # libvips exposes no exif-data for TIFF: its IFDs are the EXIF
        return metadata_from_tiff_file(path)
    if isinstance(checked.header, HevcHeader):
        return metadata_from_hevc(checked.header)
    return metadata_from_header(checked.header)


def _render(
    path: Path, checked: Checked, metadata: PhotoMetadata, watermark: Watermark | None
) -> RenderResult:
    image = _decode(path, checked.header)
    width, height = _oriented_size(checked.header, image)
    preview = image if watermark is None else watermarks.apply(image, watermark).copy_memory()
    grid = image.thumbnail_image(GRID_EDGE, height=GRID_EDGE, size="down").copy_memory()
    # The square crop comes from the grid image when it is big enough: same choice, 3× fewer
    # pixels for the attention search. Very wide panoramas fall back to the preview.
    source = grid if min(grid.width, grid.height) >= THUMB_EDGE else image
    thumb = source.thumbnail_image(THUMB_EDGE, height=THUMB_EDGE, crop="attention").copy_memory()
    # Phones show tiles ~200-300 device pixels wide: this has a quarter of the grid's pixels.
    small = grid.thumbnail_image(SMALL_EDGE, height=SMALL_EDGE, size="down").copy_memory()
    renditions = [
        *_encode("thumb", thumb),
        *_encode("small", small),
        *_encode("grid", grid),
        *_encode("preview", preview),
    ]
    return RenderResult(
        renditions=renditions,
        width=width,
        height=height,
        placeholder=colours.placeholder(grid),
        palette=colours.palette(grid),
        metadata=metadata,
    )


def _decode(
    path: Path, header: pyvips.Image | HevcHeader, *, edge: int = PREVIEW_EDGE
) -> pyvips.Image:
    """Decode once, shrinking on load to ≤ `edge`, upright, as 8-bit sRGB in memory."""
    options: dict = {"height": edge, "size": "down"} | _colour_options(header)
    if isinstance(header, HevcHeader):
        # The whole frame, upright (libheif applied irot/imir); shrunk inside the block, which
        # is as long as the decoded buffer lives.
        with _heic.decoded(path.read_bytes(), header) as frame:
            return _finish(frame.thumbnail_image(edge, **options))
    return _finish(pyvips.Image.thumbnail(str(path), edge, fail_on="error", **options))


def _colour_options(header: pyvips.Image | HevcHeader) -> dict:
    """Ask for sRGB output only when the file is tagged otherwise (or CMYK): it costs time."""
    if isinstance(header, HevcHeader):
        if header.icc is None and header.fallback_profile is None:
            return {}
        return {"output_profile": "srgb", "input_profile": header.fallback_profile or "srgb"}
    cmyk = header.interpretation == "cmyk"
    if cmyk or vips_field(header, "icc-profile-data") is not None:
        # The fallback profile is used only when the file embeds none.
        return {"output_profile": "srgb", "input_profile": "cmyk" if cmyk else "srgb"}
    return {}


def _finish(image: pyvips.Image) -> pyvips.Image:
    """Make the decoded preview 8-bit sRGB and hold it in memory."""
    return _to_srgb8(image).copy_memory()


def _to_srgb8(image: pyvips.Image) -> pyvips.Image:
    if image.interpretation != "srgb" or image.format != "uchar":
        image = image.colourspace("srgb")  # 16-bit, greyscale, float TIFF … → 8-bit sRGB
        if image.format != "uchar":
            image = image.cast("uchar")
    return image


def _oriented_size(header: pyvips.Image | HevcHeader, preview: pyvips.Image) -> tuple[int, int]:
    """Return the original's size as displayed: swapped when the decode rotated it by 90°."""
    stored, shown = header.width / header.height, preview.width / preview.height
    if abs(shown - 1 / stored) < abs(shown - stored):
        return header.height, header.width
    return header.width, header.height


def _encode(name: str, image: pyvips.Image) -> list[Rendition]:
    webp = image.webpsave_buffer(Q=WEBP_QUALITY, effort=WEBP_EFFORT, keep=_STRIP)
    jpeg = colours.flatten(image).jpegsave_buffer(
        Q=JPEG_QUALITY, optimize_coding=True, interlace=JPEG_PROGRESSIVE, keep=_STRIP
    )
    return [
        Rendition(name, "webp", image.width, image.height, webp),
        Rendition(name, "jpeg", image.width, image.height, jpeg),
    ]
