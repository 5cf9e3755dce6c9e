"""Recognise a file by its bytes and walk its container structure, without decoding pixels.

The walk finds where the image really ends (so data appended after it can be examined),
truncation, and the inputs that force a decoder to buffer the whole image (progressive or
multi-scan JPEG, interlaced PNG, HEIF).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from proofsheet.imaging._tiff import TiffReader
from proofsheet.imaging.errors import RejectedImage

ACCEPTED = "Please upload a JPEG, PNG, WebP, TIFF or HEIC photo."
HEAD_BYTES = 64 * 1024

# ISO-BMFF brands of HEIF still images and image sequences (HEVC- or AV1-coded).
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"mif2", b"msf1"}
_HEIF_BRANDS |= {b"avif", b"avis"}
_VIDEO_BRANDS = {b"isom", b"iso2", b"mp41", b"mp42", b"qt  ", b"M4V ", b"3gp4", b"3gp5", b"dash"}

# What makes a file "active" when a browser, PDF reader or unzip tool gets hold of it. Tags need
# a delimiter after the name so that random compressed bytes almost never match (≈1e-10/byte).
# Only an HTML doctype: Photoshop and macOS write Apple plists (<!DOCTYPE plist …) into metadata.
_ACTIVE_MARKUP = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|script|iframe|object|embed|svg|img|meta|link|style|form"
    rb"|base)[\s/>]|<\?php|javascript:|\bon(?:error|load)\s*=",
    re.IGNORECASE,
)
_ACTIVE_DOCUMENT = re.compile(rb"%PDF-|%!PS-Adobe")
_ZIP_END = re.compile(rb"PK\x05\x06")
# The leading bytes content sniffers read: a PDF reader looks for %PDF- within the first 1024;
# browsers look for HTML at the very start (WHATWG) or, in old IE, within the first 256.
SNIFF_BYTES = 1024

# JPEG markers. SOF0-3, 5-7, 9-11, 13-15 start a frame; 2, 6, 10 and 14 are progressive.
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_PROGRESSIVE = {0xC2, 0xC6, 0xCA, 0xCE}
# In entropy-coded data 0xFF is followed by 0x00 (stuffing), a restart marker or more 0xFF
# fill; anything else is the next marker.
_ENTROPY_END = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


@dataclass
class Layout:
    """What the container walk learned about a file."""

    kind: str
    end: int | None = None  # where the image ends; None when the format has no clear end
    progressive: bool = False
    scans: int = 0
    buffered_bytes: int = 0  # memory a decoder must hold for the whole image at once
    animated: bool = False
    brand: str = ""  # HEIF: the first recognised brand ("heic", "avif", "mif1" …)
    codec: str = ""  # HEIF: the primary image's codec ("hevc", "av1", "jpeg" …; "" if unclear)


def reject(code: str, reason: str) -> RejectedImage:
    """Build a RejectedImage (a helper so each rule reads as one line)."""
    return RejectedImage(reason, code=code)


def sniff(head: bytes) -> str:
    """Return the image type the leading bytes announce, or raise RejectedImage."""
    if not head:
        raise reject("empty", "The file is empty.")
    if head[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] in (b"II*\0", b"MM\0*", b"II+\0", b"MM\0+"):
        return "tiff"
    if head[4:8] == b"ftyp":
        return _sniff_isobmff(head)
    raise _reject_other(head)


def _sniff_isobmff(head: bytes) -> str:
    size = int.from_bytes(head[:4], "big")
    brands = {head[8:12]} | {head[i : i + 4] for i in range(16, min(size, 64), 4)}
    if brands & _HEIF_BRANDS:
        return "heif"
    if b"crx " in brands:
        raise _raw_error()
    if brands & _VIDEO_BRANDS:
        raise reject("video", f"Video files are not accepted. {ACCEPTED}")
    raise reject("unsupported", f"This file is not a supported image. {ACCEPTED}")


def _reject_other(head: bytes) -> RejectedImage:
    """Name the known non-photo types, so the uploader learns what went wrong."""
    lowered = head[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return reject("gif", f"GIF images are not accepted. {ACCEPTED}")
    if b"%PDF-" in head[:SNIFF_BYTES]:
        return reject("pdf", f"PDF documents are not accepted. {ACCEPTED}")
    if head[:4] == b"%!PS" or head[:4] == b"\xc5\xd0\xd3\xc6":
        return reject("eps", f"PostScript and EPS files are not accepted. {ACCEPTED}")
    if head[:4] == b"8BPS":
        return reject("psd", f"Photoshop documents are not accepted. {ACCEPTED}")
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        return reject("zip", f"ZIP archives are not accepted; upload photos one by one. {ACCEPTED}")
    if b"<svg" in lowered:
        return reject("svg", f"SVG drawings are not accepted. {ACCEPTED}")
    if lowered.startswith(b"<") or _ACTIVE_MARKUP.search(lowered[:SNIFF_BYTES]):
        return reject("html", f"HTML and other web documents are not accepted. {ACCEPTED}")
    if head[:15] == b"FUJIFILMCCD-RAW" or head[:4] in (b"IIRO", b"IIRS", b"IIU\0"):
        return _raw_error()
    return reject("unsupported", f"This file is not a supported image. {ACCEPTED}")


def _raw_error() -> RejectedImage:
    return reject(
        "raw", "Camera RAW files are not accepted; export the photo as a JPEG, TIFF or HEIC first."
    )


def _truncated(kind: str) -> RejectedImage:
    return reject(
        "truncated",
        f"The {kind.upper()} file is incomplete: its data ends before the end of the image "
        "(the upload may have been interrupted).",
    )


def _corrupt(kind: str, what: str) -> RejectedImage:
    return reject("corrupt", f"The {kind.upper()} file is damaged ({what}).")


def walk(kind: str, buf, *, max_scans: int) -> Layout:
    """Walk the container of a sniffed file; raise RejectedImage for a broken structure."""
    if kind == "jpeg":
        return _walk_jpeg(buf, max_scans)
    if kind == "png":
        return _walk_png(buf)
    if kind == "webp":
        return _walk_webp(buf)
    if kind == "heif":
        return _walk_heif(buf)
    return _walk_tiff(buf)


def _walk_jpeg(buf, max_scans: int) -> Layout:
    layout = Layout("jpeg")
    n, pos = len(buf), 2
    components: list[tuple[int, int]] = []
    width = height = 0
    while True:
        # Tolerate stray bytes between segments the way libjpeg does (with a warning).
        pos = buf.find(b"\xff", pos)
        if pos < 0:
            raise _truncated("jpeg")
        while pos < n and buf[pos] == 0xFF:
            pos += 1
        if pos >= n:
            raise _truncated("jpeg")
        marker = buf[pos]
        pos += 1
        if marker == 0xD9:  # end of image
            layout.end = pos
            break
        if marker == 0x00 or marker == 0x01 or 0xD0 <= marker <= 0xD7:
            continue  # stuffing, TEM and restart markers carry no length
        if marker == 0xD8:
            raise _corrupt("jpeg", "a second start-of-image marker")
        if pos + 2 > n:
            raise _truncated("jpeg")
        length = int.from_bytes(buf[pos : pos + 2], "big")
        end = pos + length
        if length < 2:
            raise _corrupt("jpeg", "a segment with an impossible length")
        if end > n:
            raise _truncated("jpeg")
        if marker in _SOF:
            height, width, components = _jpeg_frame(bytes(buf[pos + 2 : end]))
            layout.progressive = marker in _PROGRESSIVE
        pos = end
        if marker == 0xDA:  # start of scan: skip the entropy-coded data to the next marker
            if not components:
                raise _corrupt("jpeg", "image data before the frame header")
            layout.scans += 1
            if layout.scans > max_scans:
                raise reject(
                    "too_complex",
                    f"The JPEG has more than {max_scans} scans, far beyond what cameras and "
                    "editors write; it is not accepted. Re-save it as a standard JPEG.",
                )
            found = _ENTROPY_END.search(buf, pos)
            if found is None:
                raise _truncated("jpeg")
            pos = found.start()
    if not components:
        raise _corrupt("jpeg", "no frame header")
    if layout.scans > 1:
        # A multi-scan (e.g. progressive) JPEG is decoded by keeping every DCT coefficient of
        # the whole image in memory: 64 two-byte values per 8×8 block of each component.
        h_max = max(h for h, _ in components)
        v_max = max(v for _, v in components)
        layout.buffered_bytes = sum(
            -(-width * h // h_max // 8) * -(-height * v // v_max // 8) * 128 for h, v in components
        )
    return layout


def _jpeg_frame(segment: bytes) -> tuple[int, int, list[tuple[int, int]]]:
    """Return height, width and each component's (H, V) sampling factors from an SOF body."""
    if len(segment) < 6:
        raise _corrupt("jpeg", "a short frame header")
    height = int.from_bytes(segment[1:3], "big")
    width = int.from_bytes(segment[3:5], "big")
    count = segment[5]
    sampling = segment[6 : 6 + 3 * count]
    if count == 0 or len(sampling) < 3 * count:
        raise _corrupt("jpeg", "a short frame header")
    components = [(max(1, b >> 4), max(1, b & 15)) for b in sampling[1::3]]
    return height, width, components


def _walk_png(buf) -> Layout:
    layout = Layout("png")
    n, pos = len(buf), 8
    first = True
    while True:
        if pos + 8 > n:
            raise _truncated("png")
        length = int.from_bytes(buf[pos : pos + 4], "big")
        ctype = bytes(buf[pos + 4 : pos + 8])
        start, end = pos + 8, pos + 8 + length
        if length > 0x7FFFFFFF:
            raise _corrupt("png", "a chunk with an impossible length")
        if end + 4 > n:
            raise _truncated("png")
        if first:
            if ctype != b"IHDR" or length != 13:
                raise _corrupt("png", "no image header")
            layout.buffered_bytes = _png_interlaced_bytes(bytes(buf[start:end]))
            first = False
        if ctype in (b"acTL", b"fcTL"):
            layout.animated = True
        pos = end + 4
        if ctype == b"IEND":
            layout.end = pos
            return layout


def _png_interlaced_bytes(ihdr: bytes) -> int:
    """Interlaced PNGs are decoded whole into memory; return that size (0 when streamed)."""
    if ihdr[12] == 0:
        return 0
    width, height = int.from_bytes(ihdr[0:4], "big"), int.from_bytes(ihdr[4:8], "big")
    channels = {0: 1, 2: 3, 3: 4, 4: 2, 6: 4}.get(ihdr[9], 4)
    return width * height * channels * (2 if ihdr[8] == 16 else 1)


def _walk_webp(buf) -> Layout:
    layout = Layout("webp")
    n = len(buf)
    riff_end = 8 + int.from_bytes(buf[4:8], "little")
    if riff_end > n + 1:  # the RIFF size may omit the last pad byte
        raise _truncated("webp")
    pos, has_image = 12, False
    while pos + 8 <= riff_end:
        fourcc = bytes(buf[pos : pos + 4])
        size = int.from_bytes(buf[pos + 4 : pos + 8], "little")
        end = pos + 8 + size
        if end > min(riff_end, n):
            raise _truncated("webp")
        if fourcc in (b"VP8 ", b"VP8L"):
            has_image = True
        elif fourcc in (b"ANIM", b"ANMF"):
            layout.animated = True
        pos = end + (size & 1)
    if not has_image and not layout.animated:
        raise _corrupt("webp", "no image data")
    layout.end = min(riff_end + (riff_end & 1), n)
    return layout


def _walk_heif(buf) -> Layout:
    layout = Layout("heif")
    n, pos, seen = len(buf), 0, set()
    ftyp_size = int.from_bytes(buf[0:4], "big")
    brands = [bytes(buf[8:12])] + [bytes(buf[i : i + 4]) for i in range(16, min(ftyp_size, 256), 4)]
    layout.brand = next((b.decode() for b in brands if b in _HEIF_BRANDS), "")
    while pos + 8 <= n:
        size = int.from_bytes(buf[pos : pos + 4], "big")
        box = bytes(buf[pos + 4 : pos + 8])
        header = 8
        if size == 1 and pos + 16 <= n:
            size, header = int.from_bytes(buf[pos + 8 : pos + 16], "big"), 16
        elif size == 0:
            size = n - pos
        if size < header or not all(32 <= c < 127 for c in box):
            break  # not a box: whatever follows is a trailer, examined by the caller
        if pos + size > n:
            raise _truncated("heif")
        seen.add(box)
        if box == b"meta":
            layout.codec = heif_codec(bytes(buf[pos : pos + min(size, _MAX_META_BYTES)]))
        pos += size
    if b"meta" not in seen:
        raise _corrupt("heif", "no image description")
    layout.end = pos
    return layout


# HEIF item types that carry coded pixels → the codec's name. Derived images (a grid of tiles,
# an identity-transformed or overlaid image) take the codec of the first image they are made of.
HEIF_CODECS = {
    b"hvc1": "hevc",
    b"av01": "av1",
    b"jpeg": "jpeg",
    b"vvc1": "vvc",
    b"avc1": "avc",
    b"j2k1": "jpeg2000",
    b"unci": "uncompressed",
}
_HEIF_DERIVED = (b"grid", b"iden", b"iovl")
_MAX_META_BYTES = 4 * 2**20  # an iPhone's meta box is 5-20 KiB; more is not a photo's


def heif_codec(meta: bytes) -> str:
    """Name the codec of the primary image from a HEIF `meta` box (pitm, iinf, iref).

    Returns "" when the box cannot be read; the libheif that opens the file will judge it.
    An item type we do not know comes back as its (alphanumeric) four characters, e.g. "mski".
    """
    # Every box read here is a FullBox: a version byte and three flag bytes open its payload.
    boxes = {
        kind: (start, end)
        for kind, start, end in _boxes(meta, 12, len(meta))
        if end - start >= 6  # version, flags and at least a 16-bit field
    }
    if b"pitm" not in boxes or b"iinf" not in boxes:
        return ""
    start, _ = boxes[b"pitm"]
    item = _uint(meta, start + 4, 2 if meta[start] == 0 else 4)
    types = _item_types(meta, *boxes[b"iinf"])
    references = _derivations(meta, *boxes[b"iref"]) if b"iref" in boxes else {}
    for _ in range(4):  # grid → tile; deeper nesting is not a camera's
        kind = types.get(item)
        if kind is None:
            return ""
        if kind not in _HEIF_DERIVED:
            name = kind.decode("latin-1").strip().lower()
            return HEIF_CODECS.get(kind) or (name if name.isalnum() and name.isascii() else "")
        if item not in references:
            return ""
        item = references[item]
    return ""


def _boxes(data: bytes, start: int, end: int):
    """Yield (type, payload start, end) of the boxes in data[start:end], stopping at damage."""
    pos = start
    while pos + 8 <= end:
        size, kind, header = _uint(data, pos, 4), data[pos + 4 : pos + 8], 8
        if size == 1 and pos + 16 <= end:
            size, header = _uint(data, pos + 8, 8), 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            return
        yield kind, pos + header, pos + size
        pos += size


def _uint(data: bytes, at: int, size: int) -> int:
    return int.from_bytes(data[at : at + size], "big")


def _item_types(meta: bytes, start: int, end: int) -> dict[int, bytes]:
    """Item ID → item type, from the infe boxes (version 2 and 3) of an iinf box."""
    types = {}
    first = start + 4 + (2 if meta[start] == 0 else 4)
    for kind, at, stop in _boxes(meta, first, end):
        if kind != b"infe" or stop - at < 4 or meta[at] < 2:
            continue
        version = meta[at]
        id_size = 2 if version == 2 else 4
        type_at = at + 4 + id_size + 2
        if type_at + 4 <= stop:
            types[_uint(meta, at + 4, id_size)] = meta[type_at : type_at + 4]
    return types


def _derivations(meta: bytes, start: int, end: int) -> dict[int, int]:
    """Derived item ID → the first item it is derived from ('dimg' references of iref)."""
    id_size = 2 if meta[start] == 0 else 4
    references = {}
    for kind, at, stop in _boxes(meta, start + 4, end):
        if kind == b"dimg" and at + 2 * id_size + 2 <= stop:
            count = _uint(meta, at + id_size, 2)
            if count:
                references[_uint(meta, at, id_size)] = _uint(meta, at + id_size + 2, id_size)
    return references


def _walk_tiff(buf) -> Layout:
    layout = Layout("tiff")
    if bytes(buf[8:10]) == b"CR":  # Canon CR2 is a TIFF whose IFD0 is only a preview
        raise _raw_error()
    try:
        reader = TiffReader(buf)
        ifd0 = reader.entries(reader.first_ifd)
        subfile = reader.value(ifd0.get(0x00FE))
    except ValueError:  # BigTIFF or an odd header: libvips will judge it
        ifd0, subfile = {}, None
    # DNG, NEF, ARW … are TIFF containers whose first image is a reduced-size preview.
    first = subfile[0] if isinstance(subfile, list) and subfile else None
    if 0xC612 in ifd0 or (isinstance(first, int) and first & 1):
        raise _raw_error()
    return layout


def find_active_content(buf, layout: Layout) -> str | None:
    """Name the web or document content a tool would act on, if any: in the leading bytes a
    sniffer reads, in data after the image's end, or a ZIP directory at the end of the file.

    Markup further inside well-formed metadata (an Apple plist, a caption pasted from a web page)
    is data: no sniffer reads that far, originals leave only as nosniff attachments, renditions
    are re-encoded without metadata, and an HTML parser fed a whole file would find markup in
    its compressed pixels just as well.
    """
    n = len(buf)
    trailer = bytes(buf[layout.end : layout.end + 4]) if layout.end is not None else b""
    if trailer == b"PK\x03\x04" or _has_zip_directory(buf):
        return "a ZIP archive"  # first: an archive may hold HTML, but the archive is the news
    areas = [(0, min(n, SNIFF_BYTES))]
    if layout.end is not None:
        areas.append((layout.end, n))
    else:
        areas.append((max(0, n - HEAD_BYTES), n))
    for start, end in areas:
        chunk = bytes(buf[start:end])
        if _ACTIVE_MARKUP.search(chunk):
            return "HTML or script"
        if found := _ACTIVE_DOCUMENT.search(chunk):
            return "a PDF document" if found.group().startswith(b"%PDF") else "PostScript code"
    return None


def _has_zip_directory(buf) -> bool:
    """True when the file ends with a ZIP end-of-directory record that points at a directory."""
    n = len(buf)
    tail_start = max(0, n - 65557)  # the record sits within the last 64 KiB + 22 bytes
    tail = bytes(buf[tail_start:n])
    for found in _ZIP_END.finditer(tail):
        record = tail_start + found.start()
        if record + 22 > n:
            continue
        directory_size = int.from_bytes(buf[record + 12 : record + 16], "little")
        start = record - directory_size
        # Checking the directory signature makes a random match in image data harmless.
        if directory_size and start >= 0 and bytes(buf[start : start + 4]) == b"PK\x01\x02":
            return True
    return False
