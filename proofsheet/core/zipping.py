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


def zip_stream(entries: Iterable[tuple[str, Iterator[bytes]]]) -> Iterator[bytes]:
    """A ZIP (store mode: photos do not compress) of (name, chunks) pairs, produced as it goes."""
    archive = ZipStream(compress_type=ZIP_STORED)
    for name, chunks in entries:
        archive.add(chunks, name)
    return iter(archive)


def read_chunks(key: str, storage_alias: str = "private") -> Iterator[bytes]:
    """A stored file, CHUNK bytes at a time (never the whole file in memory)."""
    with storages[storage_alias].open(key, "rb") as fh:
        while chunk := fh.read(CHUNK):
            yield chunk
