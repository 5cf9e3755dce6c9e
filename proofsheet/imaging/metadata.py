"""Camera, exposure, capture time and location from a photo's EXIF, read once, never trusted.

EXIF is parsed by hand from the raw blob libvips hands over (`exif-data`), or pillow-heif for an
HEVC-coded HEIC (`info["exif"]`): a TIFF structure we read with bounds checks (`_tiff.py`). That
beats parsing libvips's human-readable `exif-ifd*` strings, and beats a dependency: we need a
dozen standard tags and no maker notes (the least robust part of every EXIF library). The lens
falls back to XMP (`aux:Lens`, as Lightroom and Camera Raw write it) because older cameras kept
it only in maker notes.
"""

from __future__ import annotations

import html
import mmap
import re
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path

import pyvips

from proofsheet.imaging import _containers, _heic
from proofsheet.imaging._heic import HevcHeader
from proofsheet.imaging._tiff import Entry, TiffReader
from proofsheet.imaging._vips import field, open_header, unreadable_header

MAX_TEXT = 128  # longest camera or lens name we keep; EXIF strings are attacker-controlled

_IFD0_EXIF, _IFD0_GPS = 0x8769, 0x8825
_MAKE, _MODEL, _ORIENTATION = 0x010F, 0x0110, 0x0112
_EXPOSURE, _FNUMBER, _ISO, _ISO_SPEED = 0x829A, 0x829D, 0x8827, 0x8833
_ORIGINAL, _DIGITIZED, _OFFSET_ORIGINAL, _SUBSEC_ORIGINAL = 0x9003, 0x9004, 0x9011, 0x9291
_FOCAL_LENGTH, _LENS_MAKE, _LENS_MODEL = 0x920A, 0xA433, 0xA434
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON, _GPS_STATUS = 1, 2, 3, 4, 9

_DATETIME = re.compile(r"(\d{4})[:\-/](\d\d)[:\-/](\d\d)[ T](\d\d):(\d\d):(\d\d)")
_OFFSET = re.compile(r"^([+-])(\d\d):(\d\d)$")
_XMP_LENS = re.compile(
    rb"(?:aux:Lens|exifEX:LensModel)(?:\s*=\s*\"([^\"]{1,256})\"|>([^<]{1,256})<)"
)


@dataclass(frozen=True)
class PhotoMetadata:
    """What a photo's EXIF says; GPS is private and never leaves in a rendition."""

    camera_make: str = ""
    camera_model: str = ""
    lens: str = ""
    focal_length_mm: float | None = None
    aperture: float | None = None  # f-number
    shutter_seconds: float | None = None  # exposure time
    iso: int | None = None
    captured_at: datetime | None = None  # camera-local; aware only if OffsetTimeOriginal says
    # EXIF Orientation, 1-8; always 1 for HEIF, whose irot/imir properties orient the pixels as
    # they are decoded (an iPhone's EXIF tag is a copy of them that must not be applied again).
    orientation: int = 1
    gps_latitude: float | None = None
    gps_longitude: float | None = None

    def as_dict(self) -> dict:
        """Return the fields as JSON-serialisable values (ISO 8601 for the capture time)."""
        data = asdict(self)
        data["captured_at"] = self.captured_at.isoformat() if self.captured_at else None
        return data


def read_metadata(path: Path) -> PhotoMetadata:
    """Read a photo's metadata from its header (no pixels); raise RejectedImage for non-images."""
    path = Path(path)
    with path.open("rb") as file:
        kind = _containers.sniff(file.read(_containers.HEAD_BYTES))
    try:
        if kind == "tiff":
            return metadata_from_tiff_file(path)
        if kind == "heif" and _heif_codec(path) == "hevc":
            return metadata_from_hevc(_heic.read_header(path.read_bytes()))
        return metadata_from_header(open_header(path, kind))
    except pyvips.Error as error:
        raise unreadable_header(kind, str(error)) from None


def metadata_from_header(header: pyvips.Image) -> PhotoMetadata:
    """Parse the EXIF (and XMP, for the lens) that libvips found in an opened image."""
    exif, xmp = field(header, "exif-data"), field(header, "xmp-data")
    heif = field(header, "vips-loader") == "heifload"
    return _from_blobs(
        exif if isinstance(exif, bytes) else b"", xmp if isinstance(xmp, bytes) else b"", heif
    )


def metadata_from_hevc(header: HevcHeader) -> PhotoMetadata:
    """Parse the EXIF (and XMP) that pillow-heif found in an HEVC-coded HEIF's container."""
    return _from_blobs(header.exif, header.xmp, heif=True)


def _from_blobs(exif: bytes, xmp: bytes, heif: bool) -> PhotoMetadata:
    metadata = parse_exif(exif)
    if not metadata.lens and xmp:
        metadata = _with_lens(metadata, xmp)
    if heif:  # libheif has applied irot/imir; the EXIF tag describes the stored pixels at best
        metadata = replace(metadata, orientation=1)
    return metadata


def _heif_codec(path: Path) -> str:
    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        return _containers.walk("heif", buf, max_scans=0).codec


def metadata_from_tiff_file(path: Path) -> PhotoMetadata:
    # A TIFF file *is* the structure EXIF borrows: its IFD0 holds Make, Model and the pointers.
    with path.open("rb") as file, mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        return parse_exif(buf)


def parse_exif(blob: bytes | mmap.mmap) -> PhotoMetadata:
    """Parse an EXIF blob ("Exif\\0\\0" + TIFF structure); unreadable parts are left empty."""
    data = memoryview(blob)
    if bytes(data[:6]) == b"Exif\0\0":
        data = data[6:]
    try:
        reader = TiffReader(data)
        ifd0 = reader.entries(reader.first_ifd)
    except ValueError:
        return PhotoMetadata()
    exif = _sub(reader, ifd0, _IFD0_EXIF)
    gps = _sub(reader, ifd0, _IFD0_GPS)
    latitude, longitude = _gps(reader, gps)
    orientation = _first_int(reader.value(ifd0.get(_ORIENTATION)))
    return PhotoMetadata(
        camera_make=_text(reader.value(ifd0.get(_MAKE))),
        camera_model=_text(reader.value(ifd0.get(_MODEL))),
        lens=_text(reader.value(exif.get(_LENS_MODEL))),
        focal_length_mm=_positive(reader.value(exif.get(_FOCAL_LENGTH))),
        aperture=_positive(reader.value(exif.get(_FNUMBER))),
        shutter_seconds=_positive(reader.value(exif.get(_EXPOSURE)), digits=6),
        iso=_iso(reader, exif),
        captured_at=_captured_at(reader, exif),
        orientation=orientation if orientation is not None and 1 <= orientation <= 8 else 1,
        gps_latitude=latitude,
        gps_longitude=longitude,
    )


def _sub(reader: TiffReader, ifd: dict[int, Entry], tag: int) -> dict[int, Entry]:
    offset = reader.sub_ifd(ifd, tag)
    return reader.entries(offset) if offset else {}


def _text(value: object) -> str:
    return value[:MAX_TEXT] if isinstance(value, str) else ""


def _first(value: object) -> int | Fraction | None:
    if isinstance(value, list) and value and isinstance(value[0], int | Fraction):
        return value[0]
    return None


def _first_int(value: object) -> int | None:
    number = _first(value)
    return number if isinstance(number, int) else None


def _positive(value: object, digits: int = 2) -> float | None:
    number = _first(value)
    if number is None or number <= 0:
        return None
    return round(float(number), digits)


def _iso(reader: TiffReader, exif: dict[int, Entry]) -> int | None:
    # 65535 means "too high for a SHORT": the real value then sits in ISOSpeed (EXIF 2.3).
    for tag in (_ISO, _ISO_SPEED):
        iso = _first_int(reader.value(exif.get(tag)))
        if iso and iso != 65535:
            return iso
    return None


def _captured_at(reader: TiffReader, exif: dict[int, Entry]) -> datetime | None:
    for tag in (_ORIGINAL, _DIGITIZED):
        value = reader.value(exif.get(tag))
        if isinstance(value, str) and (moment := _parse_datetime(value)):
            break
    else:
        return None
    if tag == _ORIGINAL:
        subsec = reader.value(exif.get(_SUBSEC_ORIGINAL))
        if isinstance(subsec, str) and subsec.strip().isdigit():
            moment = moment.replace(microsecond=int(subsec.strip()[:6].ljust(6, "0")))
        offset = reader.value(exif.get(_OFFSET_ORIGINAL))
        if isinstance(offset, str) and (found := _OFFSET.match(offset.strip())):
            sign = -1 if found[1] == "-" else 1
            delta = timedelta(hours=int(found[2]), minutes=int(found[3]))
            if delta <= timedelta(hours=14):
                moment = moment.replace(tzinfo=timezone(sign * delta))
    return moment


def _parse_datetime(text: str) -> datetime | None:
    found = _DATETIME.search(text)
    if not found:
        return None
    try:
        # Naive on purpose: EXIF 2.2 times are the camera's local clock, zone unknown.
        year, month, day, hour, minute, second = (int(part) for part in found.groups())
        moment = datetime(year, month, day, hour, minute, second)
    except ValueError:  # "0000:00:00 00:00:00" and other placeholders
        return None
    return moment if moment.year >= 1826 else None  # the first photograph


def _gps(reader: TiffReader, gps: dict[int, Entry]) -> tuple[float | None, float | None]:
    if not gps or _text(reader.value(gps.get(_GPS_STATUS))) == "V":  # V: no fix ("void")
        return None, None
    latitude = _degrees(reader.value(gps.get(_GPS_LAT)), reader.value(gps.get(_GPS_LAT_REF)), 90)
    longitude = _degrees(reader.value(gps.get(_GPS_LON)), reader.value(gps.get(_GPS_LON_REF)), 180)
    if latitude is None or longitude is None:
        return None, None
    return latitude, longitude


def _degrees(value: object, ref: object, limit: float) -> float | None:
    if not isinstance(value, list) or not value or any(v is None for v in value):
        return None
    parts = [float(v) for v in value[:3] if isinstance(v, int | Fraction)]
    degrees = sum(part / 60**i for i, part in enumerate(parts))
    if isinstance(ref, str) and ref[:1].upper() in ("S", "W"):
        degrees = -degrees
    return round(degrees, 7) if abs(degrees) <= limit else None


def _with_lens(metadata: PhotoMetadata, xmp: bytes) -> PhotoMetadata:
    found = _XMP_LENS.search(xmp)
    if not found:
        return metadata
    raw = (found[1] or found[2]).decode("utf-8", "replace")
    lens = "".join(ch for ch in html.unescape(raw) if ch.isprintable()).strip()[:MAX_TEXT]
    return replace(metadata, lens=lens)
