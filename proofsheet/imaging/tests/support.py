"""Builders for the images the imaging tests need: all generated on the fly, nothing committed."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pillow_heif
import pyvips
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from tests.support import PHOTOS  # noqa: F401  (re-exported: one definition for every test)

JPEG_MAGIC = b"\xff\xd8\xff"


def is_webp(data: bytes) -> bool:
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP"


def scene(width: int, height: int, seed: int = 1) -> pyvips.Image:
    """A photo-like 8-bit sRGB image: a colour gradient with sensor-like noise."""
    x = pyvips.Image.xyz(width, height)
    red = x[0] * (200 / width) + 30
    green = x[1] * (200 / height) + 30
    blue = (x[0] + x[1]) * (100 / (width + height)) + 80
    noise = pyvips.Image.gaussnoise(width, height, sigma=6, mean=0, seed=seed)
    image = red.bandjoin([green, blue]) + noise
    return image.cast("uchar").copy(interpretation="srgb")


def decode(data: bytes) -> pyvips.Image:
    """Decode a rendition from memory, as a client would."""
    return pyvips.Image.new_from_buffer(data, "").copy_memory()


def with_exif(image: pyvips.Image, fields: dict[str, str], orientation: int = 1) -> pyvips.Image:
    """Return a copy of `image` that libvips will save with these EXIF fields."""
    image = image.copy()
    for name, value in fields.items():
        image.set_type(pyvips.GValue.gstr_type, name, value)
    image.set_type(pyvips.GValue.gint_type, "orientation", orientation)
    return image


# --- PNG ------------------------------------------------------------------------------------


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(width: int, height: int, *, depth: int = 1, idat: bytes | None = None) -> bytes:
    """A greyscale PNG; by default its rows are all zero (a "bomb" compresses to almost nothing)."""
    if idat is None:
        row = b"\0" * (1 + (width * depth + 7) // 8)
        compressor = zlib.compressobj(9)
        idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, depth, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


def png_with_text(png: bytes, keyword: bytes, text: bytes) -> bytes:
    """Insert a tEXt chunk right after IHDR."""
    at = 8 + 25  # signature + IHDR chunk
    return png[:at] + _chunk(b"tEXt", keyword + b"\0" + text) + png[at:]


# --- JPEG as Photoshop on a Mac saves it ----------------------------------------------------

# Page setup as macOS hands it to Photoshop, which keeps it in the JPEG's image resources.
APPLE_PRINT_PLIST = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
\t<key>com.apple.print.PageFormat.PMHorizontalRes</key>
\t<dict>
\t\t<key>com.apple.print.ticket.creator</key>
\t\t<string>com.apple.jobticket</string>
\t\t<key>com.apple.print.ticket.itemArray</key>
\t\t<array>
\t\t\t<dict>
\t\t\t\t<key>com.apple.print.PageFormat.PMHorizontalRes</key>
\t\t\t\t<real>72</real>
\t\t\t\t<key>com.apple.print.ticket.stateFlag</key>
\t\t\t\t<integer>0</integer>
\t\t\t</dict>
\t\t</array>
\t</dict>
\t<key>com.apple.print.ticket.type</key>
\t<string>com.apple.print.PageFormatTicket</string>
</dict>
</plist>
"""

_XMP_PACKET = (
    b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 9.1-c002 79.a6a6396">\n'
    b' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
    b'  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
    b' xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"'
    b' xmp:CreatorTool="Adobe Photoshop 25.9 (Macintosh)" photoshop:ColorMode="3"/>\n'
    b" </rdf:RDF>\n</x:xmpmeta>\n" + b" " * 2048 + b'\n<?xpacket end="w"?>'
)


def _jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def _image_resource(resource_id: int, data: bytes) -> bytes:
    """A Photoshop image resource: 8BIM, its id, an empty name, its size, data padded to even."""
    return b"8BIM" + struct.pack(">HHI", resource_id, 0, len(data)) + data + b"\0" * (len(data) & 1)


def photoshop_jpeg(*, thumbnail: bool = True, caption: bytes = b"") -> bytes:
    """A 640 × 480 JPEG as Photoshop on a Mac saves it: EXIF, then an APP13 "Photoshop 3.0"
    segment of image resources (resolution, a thumbnail unless told, an IPTC caption if given,
    the print settings as an Apple plist with its DOCTYPE), then an APP1 XMP packet."""
    exif = {"exif-ifd0-Software": "Adobe Photoshop 25.9 (Macintosh)"}
    jpeg = with_exif(scene(640, 480), exif).jpegsave_buffer(Q=90)
    resources = _image_resource(0x03ED, struct.pack(">IHHIHH", 72 << 16, 1, 1, 72 << 16, 1, 1))
    if thumbnail:
        small = scene(160, 120).jpegsave_buffer(Q=80)
        header = struct.pack(">6I2H", 1, 160, 120, 160 * 3, 160 * 3 * 120, len(small), 24, 1)
        resources += _image_resource(0x040C, header + small)
    if caption:
        iptc = b"\x1c\x02\x00\x00\x02\x00\x04" + b"\x1c\x02\x78" + struct.pack(">H", len(caption))
        resources += _image_resource(0x0404, iptc + caption)
    resources += _image_resource(0x03E9, APPLE_PRINT_PLIST)
    photoshop = _jpeg_segment(0xED, b"Photoshop 3.0\0" + resources)
    xmp = _jpeg_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0" + _XMP_PACKET)
    after_exif = 4 + struct.unpack(">H", jpeg[4:6])[0]  # SOI, then libvips' EXIF segment
    return jpeg[:after_exif] + photoshop + xmp + jpeg[after_exif:]


# --- TIFF -----------------------------------------------------------------------------------

ASCII, SHORT, LONG, RATIONAL, BYTE = 2, 3, 4, 5, 1


def tiff_bytes(
    image: pyvips.Image, tags: dict[int, tuple[int, object]] | None = None, exif: dict | None = None
) -> bytes:
    """A little-endian, uncompressed RGB TIFF with extra IFD0 tags and an optional EXIF IFD."""
    pixels = bytes(image.write_to_memory())
    ifd0 = {
        256: (LONG, [image.width]),
        257: (LONG, [image.height]),
        258: (SHORT, [8, 8, 8]),
        259: (SHORT, [1]),
        262: (SHORT, [2]),
        273: (LONG, [0]),  # strip offset, patched below
        277: (SHORT, [3]),
        278: (LONG, [image.height]),
        279: (LONG, [len(pixels)]),
        284: (SHORT, [1]),
        **(tags or {}),
    }
    if exif:
        ifd0[34665] = (LONG, [0])  # EXIF IFD offset, patched below
    out = bytearray(b"II*\0" + struct.pack("<I", 8))
    ifd0_at = 8
    exif_at = ifd0_at + _ifd_size(ifd0)
    strip_at = exif_at + (_ifd_size(exif) if exif else 0)
    ifd0[273] = (LONG, [strip_at])
    if exif:
        ifd0[34665] = (LONG, [exif_at])
    out += _ifd(ifd0, ifd0_at)
    if exif:
        out += _ifd(exif, exif_at)
    return bytes(out) + pixels


def _encode_value(kind: int, value: object) -> bytes:
    if kind == ASCII:
        return str(value).encode() + b"\0"
    if kind == BYTE:
        return bytes(value)
    if kind == RATIONAL:
        return b"".join(struct.pack("<II", n, d) for n, d in value)
    return b"".join(struct.pack("<H" if kind == SHORT else "<I", v) for v in value)


def _count(kind: int, value: object) -> int:
    if kind == ASCII:
        return len(str(value)) + 1
    return len(value)


def _ifd_size(entries: dict) -> int:
    extra = sum(
        len(data) + (len(data) & 1)
        for data in (_encode_value(k, v) for k, v in entries.values())
        if len(data) > 4
    )
    return 2 + 12 * len(entries) + 4 + extra


def _ifd(entries: dict, at: int) -> bytes:
    table, extra = bytearray(struct.pack("<H", len(entries))), bytearray()
    data_at = at + 2 + 12 * len(entries) + 4
    for tag in sorted(entries):
        kind, value = entries[tag]
        data = _encode_value(kind, value)
        if len(data) <= 4:
            table += struct.pack("<HHI", tag, kind, _count(kind, value)) + data.ljust(4, b"\0")
        else:
            table += struct.pack("<HHII", tag, kind, _count(kind, value), data_at + len(extra))
            extra += data + b"\0" * (len(data) & 1)
    return bytes(table + struct.pack("<I", 0) + extra)


# --- HEIF -----------------------------------------------------------------------------------


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _full_box(kind: bytes, version: int, payload: bytes) -> bytes:
    return _box(kind, bytes([version, 0, 0, 0]) + payload)


def heif_container(width: int, height: int, item_type: bytes, data: bytes) -> bytes:
    """A minimal HEIF whose one image item has `item_type` and `data` as its coded bytes.

    For codecs no encoder here writes (JPEG-in-HEIF …): the container, item type and size are
    real, and the data is whatever the caller passes.
    """
    properties = _full_box(b"ispe", 0, struct.pack(">II", width, height))
    iprp = _box(
        b"iprp",
        _box(b"ipco", properties)
        + _full_box(b"ipma", 0, struct.pack(">IHB", 1, 1, 1) + bytes([0x81])),
    )
    infe = _full_box(b"infe", 2, struct.pack(">HH", 1, 0) + item_type + b"\0")
    head = _full_box(b"hdlr", 0, b"\0\0\0\0pict" + b"\0" * 13) + _full_box(
        b"pitm", 0, struct.pack(">H", 1)
    )

    def meta(offset: int) -> bytes:
        extent = struct.pack(">HHHHII", 1, 1, 0, 1, offset, len(data))
        iloc = _full_box(b"iloc", 0, b"\x44\x00" + extent)
        iinf = _full_box(b"iinf", 0, struct.pack(">H", 1) + infe)
        return _full_box(b"meta", 0, head + iloc + iinf + iprp)

    ftyp = _box(b"ftyp", b"mif1\0\0\0\0mif1heic")
    offset = len(ftyp) + len(meta(0)) + 8
    return ftyp + meta(offset) + _box(b"mdat", data)


def jpeg_coded_heif(width: int, height: int) -> bytes:
    """A HEIF holding a JPEG-coded image: valid, but neither libheif in the process decodes it."""
    return heif_container(width, height, b"jpeg", scene(width, height).jpegsave_buffer())


# --- HEIC (HEVC), as an iPhone writes it -----------------------------------------------------

# 48° 51' 24" N, 2° 21' 3" E: the Île de la Cité.
PARIS = (48.8566667, 2.3508333)
# The stored (sensor) size of the `iphone_heic` fixture; it is shown turned, as 1512 × 2016.
IPHONE_STORED = (2016, 1512)


def iphone_exif(orientation: int = 1) -> bytes:
    """An EXIF blob like an iPhone's: camera, lens, exposure, local time with offset, GPS."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "Apple", "iPhone 15 Pro", orientation
    sub = exif.get_ifd(0x8769)
    sub[0x9003], sub[0x9011] = "2024:06:01 12:34:56", "+02:00"
    sub[0x829D], sub[0x829A] = IFDRational(178, 100), IFDRational(1, 120)
    sub[0x8827] = 80
    sub[0xA434] = "iPhone 15 Pro back triple camera 6.765mm f/1.78"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (48.0, 51.0, 24.0), "E", (2.0, 21.0, 3.0)
    return exif.tobytes()  # "Exif\0\0" + TIFF, as in a JPEG's APP1


def heic_bytes(
    image: pyvips.Image,
    *,
    exif: bytes = b"",
    icc: bytes | None = None,
    nclx_primaries: int | None = None,
    quality: int = 60,
    tile_size: int = 0,
    thumbnail: int = 0,
) -> bytes:
    """A real HEVC-coded HEIC of `image` (8-bit; 10-bit when `image` is 16-bit), by x265.

    An EXIF Orientation tag other than 1 in `exif` is written as the HEIF irot/imir properties,
    and the tag stays in the EXIF too: the stored pixels are `image` as given, and a viewer
    shows them turned, as with an iPhone portrait (landscape sensor pixels, irot, Orientation 6).
    `tile_size=512` makes a grid of HEVC tiles and `thumbnail=320` a small preview item, as an
    iPhone writes them.
    """
    assert image.format in ("uchar", "ushort"), image.format
    deep = image.format == "ushort"
    mode = ("RGB" if image.bands == 3 else "L") + (";16" if deep else "")
    heif = pillow_heif.from_bytes(mode, (image.width, image.height), image.write_to_memory())
    options: dict = {"quality": quality, "enc_params": {"preset": "ultrafast"}}
    if exif:
        options["exif"] = exif
    if icc is not None:
        options["icc_profile"] = icc
    if nclx_primaries is not None:  # colours stated as H.273 code points, sRGB transfer curve
        options |= {"color_primaries": nclx_primaries, "transfer_characteristic": 13}
    if thumbnail:
        options["thumbnails"] = [thumbnail]
    buffer = io.BytesIO()
    heif.save(buffer, tile_size=tile_size, **options)
    return buffer.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def inspect_and_render_outcome(path: Path) -> str:
    """Run a file through validation and rendering: "rendered" or the rejection code.

    Anything other than success or a RejectedImage (with a reason) propagates and fails the test.
    """
    from proofsheet.imaging.pipeline import render_photo
    from proofsheet.imaging.validation import RejectedImage, inspect_image

    try:
        inspect_image(path)
        result = render_photo(path)
    except RejectedImage as error:
        assert error.reason and error.cause
        return error.cause
    assert len(result.renditions) == 8
    return "rendered"
