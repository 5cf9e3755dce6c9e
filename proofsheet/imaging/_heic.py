"""HEVC-coded HEIF (iPhone HEIC) through pillow-heif: the one decode pyvips-binary cannot do.

pyvips-binary's libheif has no HEVC decoder (patents); pillow-heif's wheels bundle their own
libheif with libde265. It is used for HEVC-coded HEIF only, and for two things:

- `read_header`: the primary image's displayed size, bit depth, EXIF, XMP and colour profile,
  from the container alone: no pixel is decoded (`open_heif` is lazy).
- `decoded`: the primary image at full size (HEVC cannot shrink on load), upright and 8-bit,
  wrapped as a pyvips image with its ICC profile attached. Everything after that — resizing,
  colour management, encoding, watermarking — is pyvips, exactly as for every other format.

iPhone specifics:
- Orientation: an iPhone stores the sensor's landscape pixels with an `irot` (and sometimes
  `imir`) property, and copies the same rotation into the EXIF Orientation tag. libheif applies
  the HEIF transformations (and a `clap` crop) while decoding; the EXIF tag must then be ignored,
  or a portrait would turn twice. The pyvips image built here carries no orientation at all.
- Bit depth: 10-bit images (HEIF "Max", ProRAW exports, some Android phones) are scaled to 8
  bits by libheif (`convert_hdr_to_8bit`); tone mapping of PQ/HLG content is not attempted.
- Colour: iPhones embed a Display P3 ICC profile, attached here as `icc-profile-data` so that
  `thumbnail_image` converts to sRGB as the JPEG path does. A file that states its colours only
  as an `nclx` box with P3 primaries gets libvips's built-in P3 profile as its fallback.
- Ignored: depth maps, auxiliary images (Apple's HDR gain map, portrait mattes) and the embedded
  thumbnails. The primary image is the SDR photo every viewer shows; a gain map only brightens
  highlights on HDR screens.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pillow_heif
import pyvips

from proofsheet.imaging._vips import harden, unreadable_header
from proofsheet.imaging.errors import RejectedImage

# Pillow-style modes pillow-heif decodes to → bands. Lower-case "a" is premultiplied alpha.
_BANDS = {"L": 1, "I": 1, "LA": 2, "La": 2, "RGB": 3, "RGBA": 4, "RGBa": 4}
_NCLX_P3 = 12  # colour_primaries of SMPTE EG 432-1, the primaries of Display P3 (ITU-T H.273)


@dataclass(frozen=True)
class HevcHeader:
    """What the container says about an HEVC-coded HEIF's primary image, before any decode.

    `width`, `height`, `bands` and `format` mirror the pyvips header fields that validation
    checks, so the limits apply exactly as to a libvips-read header.
    """

    width: int  # as displayed: after the irot/imir transformations
    height: int
    bands: int
    bit_depth: int
    exif: bytes  # the raw EXIF ("Exif\0\0" + TIFF, or the TIFF alone), or b""
    xmp: bytes
    icc: bytes | None  # an embedded ICC profile ("prof" or "rICC")
    fallback_profile: str | None  # a libvips built-in profile for an nclx-only file ("p3")

    @property
    def format(self) -> str:
        """The libvips band format of the coded samples (what libheif holds while decoding)."""
        return "uchar" if self.bit_depth <= 8 else "ushort"


@functools.cache
def _configure() -> None:
    """Read only the primary image: no thumbnails, depth maps or auxiliary images (gain maps)."""
    pillow_heif.options.THUMBNAILS = False
    pillow_heif.options.DEPTH_IMAGES = False
    pillow_heif.options.AUX_IMAGES = False


def _open(data: bytes) -> pillow_heif.HeifImage:
    """Parse the container and return its primary image, still undecoded."""
    _configure()
    # libde265 and libheif's tile decoding follow the worker's libvips thread budget.
    pillow_heif.options.DECODE_THREADS = max(1, pyvips.concurrency_get())
    try:
        heif = pillow_heif.open_heif(data, convert_hdr_to_8bit=True)
        return heif[heif.primary_index]
    except Exception as error:  # ValueError, EOFError, SyntaxError, RuntimeError, OSError …
        raise unreadable_header("heif", f"{type(error).__name__}: {error}") from None


def read_header(data: bytes) -> HevcHeader:
    """Read the primary image's header from the file's bytes; raise RejectedImage if unusable."""
    primary = _open(data)
    base = primary.mode.split(";")[0]
    width, height = primary.size
    if base not in _BANDS or width <= 0 or height <= 0:
        raise RejectedImage(
            "The HEIF file is damaged: its header describes no usable image.",
            code="corrupt",
            detail=f"mode {primary.mode!r}, size {primary.size}",
        )
    info = primary.info
    icc = info.get("icc_profile") or None
    nclx = info.get("nclx_profile") or {}
    primaries = nclx.get("color_primaries")
    return HevcHeader(
        width=width,
        height=height,
        bands=_BANDS[base],
        bit_depth=int(info.get("bit_depth") or 8),
        exif=bytes(info.get("exif") or b""),
        xmp=bytes(info.get("xmp") or b""),
        icc=bytes(icc) if icc else None,
        fallback_profile="p3" if icc is None and primaries == _NCLX_P3 else None,
    )


@contextmanager
def decoded(data: bytes, header: HevcHeader) -> Iterator[pyvips.Image]:
    """Decode the primary image at full size and yield it as a pyvips image, upright.

    The pyvips image reads libheif's decoded buffer in place, so it is valid only inside the
    `with` block: make everything needed from it (`copy_memory()`) before leaving.
    """
    harden()
    primary = _open(data)
    try:
        pixels, stride = primary.data, primary.stride
    except Exception as error:  # libde265 or libheif gave up on the coded data
        raise RejectedImage(
            "The HEIF file is damaged: its image data could not be decoded.",
            code="undecodable",
            detail=f"{type(error).__name__}: {error}",
        ) from None
    width, height = primary.size
    base, _, depth = primary.mode.partition(";")
    bands = _BANDS.get(base)
    sample = 2 if depth else 1
    if (
        bands is None
        or (width, height) != (header.width, header.height)
        or stride < width * bands * sample
        or len(pixels) < stride * height
    ):
        raise RejectedImage(
            "The HEIF file is damaged: its image data does not match its header.",
            code="undecodable",
            detail=f"decoded {primary.mode!r} {width}×{height} (stride {stride}), "
            f"header {header.width}×{header.height}",
        )
    try:
        image = pyvips.Image.new_from_memory(
            pixels,
            stride // (bands * sample),
            height,
            bands,
            "ushort" if depth else "uchar",
        )
        yield _tagged(image.crop(0, 0, width, height), base, depth != "", header)
    finally:
        del pixels
        del primary


def _tagged(image: pyvips.Image, base: str, deep: bool, header: HevcHeader) -> pyvips.Image:
    """Name the image's colour space and attach the embedded ICC profile, as a loader would."""
    names = {(True, True): "rgb16", (True, False): "grey16", (False, True): "srgb"}
    image = image.copy(interpretation=names.get((deep, image.bands >= 3), "b-w"))
    if base.endswith("a"):  # premultiplied alpha: libvips works on straight alpha
        image = image.unpremultiply().cast(image.format)
    if header.icc is not None:
        image.set_type(pyvips.GValue.blob_type, "icc-profile-data", header.icc)
    return image
