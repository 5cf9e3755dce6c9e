"""The one place that decides which libvips loaders may run, and opens files with them."""

from __future__ import annotations

import functools
from pathlib import Path

import pyvips

from proofsheet.imaging.errors import RejectedImage

# Detected type → the libvips loader for exactly that type. We never let libvips pick a loader
# by sniffing a file we have not sniffed ourselves.
LOADERS = {
    "jpeg": "jpegload",
    "png": "pngload",
    "webp": "webpload",
    "tiff": "tiffload",
    "heif": "heifload",
}
_ALLOWED_LOADER_CLASSES = (
    "VipsForeignLoadJpeg",
    "VipsForeignLoadPng",
    "VipsForeignLoadWebp",
    "VipsForeignLoadTiff",
    "VipsForeignLoadHeif",
)


@functools.cache
def harden() -> None:
    """Block every libvips loader but the five photo formats, once per process (R13).

    pyvips-binary also carries SVG, GIF, CSV, matrix, raw and .vips loaders; `Image.thumbnail`
    picks a loader by content, so a blocked loader can never be reached by a crafted file even
    if it slipped past our own sniffing. UltraHDR JPEGs fall back to jpegload (the SDR image).

    It also turns off libvips's operation cache: it keys a loader's result by file name, so a
    file replaced at the same path (temp files, re-uploads) came back with the previous file's
    header; and a worker is better off spending those 100 MB on the next photo.
    """
    pyvips.cache_set_max(0)
    pyvips.operation_block_set("VipsForeignLoad", True)
    for name in _ALLOWED_LOADER_CLASSES:
        pyvips.operation_block_set(name, False)


def open_header(path: Path, kind: str) -> pyvips.Image:
    """Open `path` lazily with the loader for `kind`: this reads the header, no pixels."""
    harden()
    loader = getattr(pyvips.Image, LOADERS[kind])
    return loader(str(path), access="sequential")


def unreadable_header(kind: str, detail: str) -> RejectedImage:
    """The rejection for a file whose header its decoder cannot read (`detail`, the decoder's
    message, is for logs)."""
    return RejectedImage(
        f"The {kind.upper()} file is damaged: its header cannot be read.",
        code="corrupt",
        detail=detail,
    )


def field(image: pyvips.Image, name: str) -> object | None:
    """Return metadata field `name` of `image`, or None when it is absent."""
    if image.get_typeof(name) == 0:
        return None
    return image.get(name)


# libheif's message when a codec plugin is missing. pyvips-binary's libheif decodes AV1 only;
# HEVC goes to pillow-heif (`_heic`), so this is for the codecs neither has (JPEG-in-HEIF …).
_MISSING_CODEC = "has not been built in"
_CODEC_NAMES = {
    "hevc": "HEVC",
    "av1": "AV1",
    "jpeg": "JPEG",
    "vvc": "VVC (H.266)",
    "avc": "H.264",
    "jpeg2000": "JPEG 2000",
    "uncompressed": "uncompressed samples",
}


def missing_codec(error: pyvips.Error) -> bool:
    """True when libvips failed because the build lacks the file's codec, not the file."""
    return _MISSING_CODEC in str(error)


def unsupported_codec(codec: str = "") -> RejectedImage:
    """The rejection for a HEIF image coded with a codec no decoder in this process has."""
    name = _CODEC_NAMES.get(codec) or codec.upper()
    stored = f" (its image is stored as {name})" if name else ""
    return RejectedImage(
        f"This HEIF image uses a codec this server cannot decode{stored}. Export it as JPEG "
        "(or as a standard iPhone HEIC) and upload it again.",
        code="unsupported_codec",
    )
