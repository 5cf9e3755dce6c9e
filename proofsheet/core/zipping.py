"""Streaming ZIP archives for "download all" (zipstream-ng, store mode), and chunked reads.

Paid orders (`fulfillment.services.order_zip`) and free gallery downloads
(`galleries.downloads.gallery_zip`) both stream through here, so it sits in `core`, below both.

zipstream-ng checksums each file with the `crc32` it imports from `zipfile`, which is the system
zlib's: about 3.7 GB/s on our 2-core machine, which caps a ZIP of files already in the page
cache at ~40 % of the speed of reading them. zlib-ng's CRC-32 (SIMD, ~27 GB/s, the same
checksum) lifts that cap, so we give zipstream-ng that function. It is the only module-level
name we replace; `test_zip_stream.py` checks every entry's CRC with the standard library.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import zipstream.ng
from django.core.files.storage import storages
from zipstream import ZIP_STORED, ZipStream
from zlib_ng import zlib_ng

zipstream.ng.crc32 = zlib_ng.crc32

CHUNK = 1024 * 1024  # bytes read from storage at a time when streaming a file


# (name in the archive, its bytes as they are read, its size in bytes when known beforehand)
ZipEntry = tuple[str, Iterator[bytes], int | None]


def zip_stream(entries: Iterable[ZipEntry]) -> ZipStream:
    """A ZIP (store mode: photos do not compress) of `entries`, produced as it is iterated.

    When every entry's size is known, so is the archive's (`zip_length`): the response can say
    Content-Length and the browser shows a real progress bar and time left. Otherwise it streams
    without a length; zipstream-ng would read an unsized entry into memory to size it.
    """
    entries = list(entries)
    sized = all(size is not None for _name, _chunks, size in entries)
    archive = ZipStream(compress_type=ZIP_STORED, sized=sized)
    for name, chunks, size in entries:
        archive.add(chunks, name, size=size)
    return archive


def zip_length(archive: ZipStream) -> int | None:
    """The archive's length in bytes before it is generated, or None when it cannot be known."""
    return len(archive) if archive.sized else None


def read_chunks(key: str, storage_alias: str = "private") -> Iterator[bytes]:
    """A stored file, CHUNK bytes at a time (never the whole file in memory)."""
    with storages[storage_alias].open(key, "rb") as fh:
        while chunk := fh.read(CHUNK):
            yield chunk
