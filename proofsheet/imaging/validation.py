"""Decide whether an uploaded file is a photo we accept, before any pixel is decoded.

The bytes decide the type, never the file name. Checks run cheapest first: magic bytes, the
container walk (truncation, HTML/PDF/ZIP where a tool would act on it, a HEIF's codec), then the
header as libvips reads it with the one loader for the detected type (dimensions), then the size
limits.
HEVC-coded HEIF (iPhone HEIC) is the exception: libvips here cannot decode HEVC, so its header
is read by pillow-heif, the library that will decode it (`_heic`), with the same limits.

Decompression-bomb ratio (decoded bytes / file bytes), measured: 1.4-6.3 on the 27 real camera
photos in the test data (median 5.9), 9.3-12.4 on the 24 MP benchmark corpus (0.24-0.32
bytes/pixel), ≈ 6-10 for a typical camera JPEG (0.3-0.5 B/px), ≈ 30-60 for the most compressed
web exports (0.05-0.1 B/px), ≈ 2-3 for a PNG photo; a 12 KiB PNG bomb is ≈ 8,000. We reject
above 250 (SECURITY.md R12): four times the most compressed real photo, thirty times below a
bomb. The ratio only counts once the decoded size is worth defending (`RATIO_FLOOR_BYTES`): a
small flat graphic may compress 1,000:1 and costs nothing to decode.
"""

from __future__ import annotations

import hashlib
import mmap
from dataclasses import dataclass
from pathlib import Path

import pyvips

from proofsheet.imaging import _containers, _heic
from proofsheet.imaging._containers import ACCEPTED, Layout
from proofsheet.imaging._heic import HevcHeader
from proofsheet.imaging._vips import open_header, unreadable_header, unsupported_codec
from proofsheet.imaging.errors import RejectedImage

__all__ = [
    "ALLOWED_FORMATS",
    "ImageInfo",
    "RejectedImage",
    "inspect_image",
]

ALLOWED_FORMATS = frozenset({"jpeg", "png", "webp", "tiff", "heif"})
MAX_PIXELS = 200_000_000
MAX_RATIO = 250.0
RATIO_FLOOR_BYTES = 32 * 2**20  # ≈ 11 MP of RGB: below this a high ratio cannot hurt
# Narrower images make the 300×300 thumbnail crop upscale absurdly (a 1×16000 strip would be
# stretched to 300×4.8 M); 50:1 still admits every stitched panorama we know of.
MAX_ASPECT = 50.0
# Progressive/multi-scan JPEG coefficients, interlaced PNG pixels and HEIF frames are held whole
# in memory by their decoders. 320 MiB admits a 53 MP 4:4:4 or a 106 MP 4:2:0 progressive JPEG
# and keeps a worker inside the 400 MB RSS budget of BENCHMARKS.md for camera-sized photos.
MAX_BUFFERED_BYTES = 320 * 2**20
# libjpeg writes 10 scans for a progressive JPEG, mozjpeg up to ~20; thousands are a CPU bomb.
MAX_JPEG_SCANS = 100
# HEIF codecs something in this process decodes: AV1 by libvips, HEVC by pillow-heif. "" is a
# meta box our walk could not read: the decoder judges it.
DECODABLE_HEIF_CODECS = frozenset({"hevc", "av1", ""})

_FORMAT_DETAILS = {  # format → (extension, MIME type)
    "jpeg": (".jpg", "image/jpeg"),
    "png": (".png", "image/png"),
    "webp": (".webp", "image/webp"),
    "tiff": (".tif", "image/tiff"),
    "heif": (".heic", "image/heic"),
}
_SAMPLE_BYTES = {
    "uchar": 1,
    "char": 1,
    "ushort": 2,
    "short": 2,
    "uint": 4,
    "int": 4,
    "float": 4,
    "double": 8,
    "complex": 8,
    "dpcomplex": 16,
}


@dataclass(frozen=True)
class ImageInfo:
    """What `inspect_image` learned about an accepted file."""

    format: str  # "jpeg" | "png" | "webp" | "tiff" | "heif"
    width: int  # as stored, before EXIF orientation (HEIF: after irot/imir, as libheif shows it)
    height: int
    extension: str  # ".jpg", ".png", ".webp", ".tif", ".heic" (".avif" for AV1-coded HEIF)
    mime_type: str
    sha256: str  # of the whole file
    size: int  # bytes
    progressive: bool = False  # a progressive (or multi-scan) JPEG


@dataclass(frozen=True)
class Limits:
    """The caller's limits (from settings), as `inspect_image` and `render_photo` take them."""

    max_pixels: int = MAX_PIXELS
    max_ratio: float = MAX_RATIO
    max_aspect: float = MAX_ASPECT
    max_buffered_bytes: int = MAX_BUFFERED_BYTES
    allowed_formats: frozenset[str] = ALLOWED_FORMATS


@dataclass(frozen=True)
class Checked:
    """The result of validation that the pipeline builds on (no hash: it does not need one)."""

    kind: str
    layout: Layout
    header: pyvips.Image | HevcHeader  # HevcHeader for HEVC-coded HEIF, read by pillow-heif
    size: int


def inspect_image(
    path: Path,
    *,
    max_pixels: int = MAX_PIXELS,
    max_ratio: float = MAX_RATIO,
    max_aspect: float = MAX_ASPECT,
    max_buffered_bytes: int = MAX_BUFFERED_BYTES,
    allowed_formats: frozenset[str] = ALLOWED_FORMATS,
) -> ImageInfo:
    """Validate an uploaded file before decoding it; raise RejectedImage with a clear reason.

    Only the header is read (libvips opens lazily, sequential access). Errors reading the file
    itself (missing, unreadable) are the caller's and propagate as OSError.
    """
    path = Path(path)
    limits = Limits(max_pixels, max_ratio, max_aspect, max_buffered_bytes, allowed_formats)
    with _mapped(path) as buf:
        digest = hashlib.sha256(buf if buf is not None else b"").hexdigest()
        try:
            checked = check(path, buf, limits)
        except RejectedImage as error:
            error.sha256 = digest
            raise
    extension, mime_type = _details(checked.layout)
    return ImageInfo(
        format=checked.kind,
        width=checked.header.width,
        height=checked.header.height,
        extension=extension,
        mime_type=mime_type,
        sha256=digest,
        size=checked.size,
        progressive=checked.layout.scans > 1,
    )


def _details(layout: Layout) -> tuple[str, str]:
    """Return the extension and MIME type; for HEIF the codec names it, else the brand."""
    if layout.kind == "heif":
        if layout.codec == "av1" or (not layout.codec and layout.brand.startswith("avi")):
            return ".avif", "image/avif"
        if not layout.codec and layout.brand.startswith(("mif", "msf")):
            return ".heif", "image/heif"
    return _FORMAT_DETAILS[layout.kind]


class _mapped:
    """Map a file read-only (None for an empty file): the walk and the hash need no copy."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> mmap.mmap | None:
        self.file = self.path.open("rb")
        if self.path.stat().st_size == 0:
            self.map = None
        else:
            self.map = mmap.mmap(self.file.fileno(), 0, access=mmap.ACCESS_READ)
        return self.map

    def __exit__(self, *exc: object) -> None:
        if self.map is not None:
            self.map.close()
        self.file.close()


def check_file(path: Path, limits: Limits) -> Checked:
    """Validate `path` like `inspect_image` but without hashing it (for the render pipeline)."""
    with _mapped(Path(path)) as buf:
        return check(Path(path), buf, limits)


def check(path: Path, buf: mmap.mmap | None, limits: Limits) -> Checked:
    """Run every check on the mapped bytes `buf` of `path`; raise RejectedImage on the first."""
    if buf is None:
        raise _containers.reject("empty", "The file is empty.")
    kind = _containers.sniff(bytes(buf[: _containers.HEAD_BYTES]))
    try:
        if kind not in limits.allowed_formats:
            raise _containers.reject(
                "format_not_allowed", f"{kind.upper()} files are not accepted here. {ACCEPTED}"
            )
        layout = _containers.walk(kind, buf, max_scans=MAX_JPEG_SCANS)
        if layout.animated:
            raise _containers.reject("animated", f"Animated images are not accepted. {ACCEPTED}")
        if hidden := _containers.find_active_content(buf, layout):
            raise _containers.reject(
                "polyglot",
                f"The file hides {hidden} inside the image, so it is not accepted. "
                "Export the photo again from your camera or editor.",
            )
        if kind == "heif" and layout.codec not in DECODABLE_HEIF_CODECS:
            raise unsupported_codec(layout.codec)
        if kind == "heif" and layout.codec == "hevc":
            header = _heic.read_header(bytes(buf))
        else:
            header = _read_header(path, kind)
        _check_size(header, len(buf), limits)
        if kind == "heif":
            layout.buffered_bytes = _decoded_bytes(header)  # libheif decodes the whole frame
        if layout.buffered_bytes > limits.max_buffered_bytes:
            raise _containers.reject(
                "too_large_to_buffer",
                f"This {_describe(layout)} needs {layout.buffered_bytes / 2**20:.0f} MiB of "
                f"memory to decode; the limit is {limits.max_buffered_bytes / 2**20:.0f} MiB. "
                "Save it as a standard (baseline) JPEG or a smaller image.",
            )
    except RejectedImage as error:
        error.format = kind
        raise
    return Checked(kind=kind, layout=layout, header=header, size=len(buf))


def _read_header(path: Path, kind: str) -> pyvips.Image:
    try:
        header = open_header(path, kind)
        header.width  # noqa: B018 (the header is parsed lazily; touch it inside the try)
    except pyvips.Error as error:
        raise unreadable_header(kind, str(error)) from None
    return header


def _check_size(header: pyvips.Image | HevcHeader, file_bytes: int, limits: Limits) -> None:
    width, height = header.width, header.height
    pixels = width * height
    if pixels > limits.max_pixels:
        raise _containers.reject(
            "too_many_pixels",
            f"The image is too large: {width} × {height} is {pixels / 1e6:.3g} megapixels; "
            f"the limit is {limits.max_pixels / 1e6:.3g} megapixels.",
        )
    if max(width, height) > limits.max_aspect * min(width, height):
        raise _containers.reject(
            "aspect_ratio",
            f"The image is too narrow: {width} × {height} is beyond the "
            f"{limits.max_aspect:g}:1 limit on the ratio of its sides.",
        )
    decoded = _decoded_bytes(header)
    if decoded > RATIO_FLOOR_BYTES and decoded > limits.max_ratio * file_bytes:
        raise _containers.reject(
            "decompression_bomb",
            f"The file would expand from {file_bytes:,} bytes to {decoded / 2**20:,.0f} MiB of "
            f"pixels ({decoded / file_bytes:,.0f}× its size, where real photos stay below "
            f"{limits.max_ratio:g}×), so it is treated as a decompression bomb.",
        )


def _decoded_bytes(header: pyvips.Image | HevcHeader) -> int:
    return header.width * header.height * header.bands * _SAMPLE_BYTES.get(header.format, 8)


def _describe(layout: Layout) -> str:
    if layout.kind == "jpeg":
        return "progressive JPEG" if layout.progressive else "multi-scan JPEG"
    if layout.kind == "png":
        return "interlaced PNG"
    return layout.kind.upper() + " image"
