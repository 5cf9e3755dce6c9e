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


def field(image: pyvips.Image, name: str) -> object | None:
    """Return metadata field `name` of `image`, or None when it is absent."""
    if image.get_typeof(name) == 0:
        return None
    return image.get(name)


# libheif's message when a codec plugin is missing; pyvips-binary ships no HEVC decoder.
_MISSING_CODEC = "has not been built in"
_hevc_decodable: bool | None = None  # learned from the first HEVC file, for the process


def missing_codec(error: pyvips.Error) -> bool:
    """True when libvips failed because the build lacks the file's codec, not the file."""
    return _MISSING_CODEC in str(error)


def hevc_decodable(path: Path) -> bool:
    """Whether this libvips can decode HEVC-coded HEIF, probed once on a real upload.

    The probe decodes the file's embedded thumbnail when it has one (iPhones write one), so a
    build that can decode pays a few milliseconds once, and one that cannot fails at once.
    """
    global _hevc_decodable
    if _hevc_decodable is None:
        try:
            pyvips.Image.heifload(str(path), thumbnail=True).avg()
            _hevc_decodable = True
        except pyvips.Error as error:
            if not missing_codec(error):
                return True  # a damaged file, not a missing decoder: the decode will say so
            _hevc_decodable = False
    return _hevc_decodable


def unsupported_codec() -> RejectedImage:
    """The rejection for HEVC-coded HEIC on a libvips without an HEVC decoder."""
    return RejectedImage(
        "This HEIC photo is compressed with HEVC, which this server cannot decode. Export it "
        "as JPEG (on an iPhone: Settings › Camera › Formats › Most Compatible) and upload "
        "it again.",
        code="unsupported_codec",
    )
