"""A small, bounds-checked reader for TIFF image file directories (the structure inside EXIF).

EXIF blobs and TIFF files share one layout: a byte-order mark, a first-IFD offset, and IFDs of
12-byte entries. Every offset comes from an untrusted file, so each read is checked against the
buffer and every failure yields "no value" rather than an exception.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from fractions import Fraction

# TIFF field types → size of one value in bytes.
_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
# Real IFDs hold tens of entries; a cap keeps a forged count from costing time.
MAX_ENTRIES = 1000
MAX_VALUES = 1024  # values (or ASCII bytes) decoded per entry

Value = str | bytes | list[int] | list[Fraction | None]


@dataclass(frozen=True)
class Entry:
    tag: int
    type: int
    count: int
    offset: int  # where the value bytes start in the buffer


class TiffReader:
    """Read IFDs out of a buffer that starts with a TIFF header ("II*\\0" or "MM\\0*")."""

    def __init__(self, data: bytes | memoryview) -> None:
        self.data = data
        order = bytes(data[:2])
        if order == b"II":
            self.endian = "<"
        elif order == b"MM":
            self.endian = ">"
        else:
            raise ValueError("not a TIFF structure")
        if self._unpack("H", 2) != 42:
            raise ValueError("not a classic TIFF structure")

    def _unpack(self, fmt: str, offset: int) -> int:
        size = struct.calcsize(fmt)
        if offset < 0 or offset + size > len(self.data):
            raise ValueError("offset out of range")
        return struct.unpack_from(self.endian + fmt, self.data, offset)[0]

    @property
    def first_ifd(self) -> int:
        """Return the offset of IFD0."""
        return self._unpack("I", 4)

    def entries(self, offset: int) -> dict[int, Entry]:
        """Return the entries of the IFD at `offset` (empty when the IFD is unreadable)."""
        try:
            count = self._unpack("H", offset)
        except ValueError:
            return {}
        result: dict[int, Entry] = {}
        for index in range(min(count, MAX_ENTRIES)):
            at = offset + 2 + 12 * index
            try:
                tag, kind, n = struct.unpack_from(self.endian + "HHI", self.data, at)
            except struct.error:
                break
            size = _TYPE_SIZES.get(kind)
            if size is None:
                continue
            # Values of four bytes or fewer sit in the entry itself; larger ones elsewhere.
            value_at = at + 8 if size * n <= 4 else self._unpack_safe("I", at + 8)
            if value_at is None or value_at + size * n > len(self.data):
                continue
            result.setdefault(tag, Entry(tag, kind, n, value_at))
        return result

    def _unpack_safe(self, fmt: str, offset: int) -> int | None:
        try:
            return self._unpack(fmt, offset)
        except ValueError:
            return None

    def value(self, entry: Entry | None) -> Value | None:
        """Decode an entry: text for ASCII, bytes for UNDEFINED, a list of numbers otherwise."""
        if entry is None or entry.count == 0:
            return None
        # We only ever need a name or a few numbers: a forged count must not cost memory.
        start, kind, n = entry.offset, entry.type, min(entry.count, MAX_VALUES)
        raw = bytes(self.data[start : start + _TYPE_SIZES[kind] * n])
        if kind == 2:
            return _text(raw)
        if kind in (1, 6, 7):
            return raw if kind == 7 else list(raw if kind == 1 else struct.unpack(f"{n}b", raw))
        if kind in (3, 8):
            return list(struct.unpack(f"{self.endian}{n}{'H' if kind == 3 else 'h'}", raw))
        if kind in (4, 9, 13):
            return list(struct.unpack(f"{self.endian}{n}{'i' if kind == 9 else 'I'}", raw))
        if kind in (5, 10):
            pairs = struct.unpack(f"{self.endian}{2 * n}{'i' if kind == 10 else 'I'}", raw)
            return [
                Fraction(num, den) if den else None
                for num, den in zip(pairs[::2], pairs[1::2], strict=True)
            ]
        return None  # floats: no tag we read uses them

    def sub_ifd(self, entries: dict[int, Entry], tag: int) -> int | None:
        """Return the offset of the sub-IFD that entry `tag` points to, if any."""
        value = self.value(entries.get(tag))
        if isinstance(value, list) and value and isinstance(value[0], int) and value[0] > 0:
            return value[0]
        return None


def _text(raw: bytes) -> str:
    """Decode an EXIF ASCII value: up to the first NUL, UTF-8 if it is, Latin-1 otherwise."""
    raw = raw.split(b"\0", 1)[0]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    # Control characters have no place in a camera name; they would only confuse logs and UIs.
    return "".join(ch for ch in text if ch.isprintable()).strip()
