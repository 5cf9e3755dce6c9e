""" "Download all" streams a ZIP: read back whole, and memory stays flat however many files."""

import io
import os
import tracemalloc
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from proofsheet.core.zipping import CHUNK, read_chunks, zip_stream

pytestmark = pytest.mark.usefixtures("media")


def _store(count: int, size: int) -> dict[str, bytes]:
    private = storages["private"]
    files = {}
    for n in range(count):
        data = os.urandom(size)
        key = private.save(f"downloads/zip-test/{n}.jpg", ContentFile(data))
        files[key] = data
    return files


def test_the_stream_reads_back_as_a_stored_zip_of_every_file():
    files = _store(5, 3 * CHUNK + 17)  # several chunks each, and a ragged end

    data = b"".join(zip_stream([(f"photo-{n}.jpg", read_chunks(k)) for n, k in enumerate(files)]))

    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    assert archive.namelist() == [f"photo-{n}.jpg" for n in range(5)]
    for n, original in enumerate(files.values()):
        assert archive.read(f"photo-{n}.jpg") == original
        assert archive.getinfo(f"photo-{n}.jpg").compress_type == zipfile.ZIP_STORED


def test_memory_stays_flat_for_many_files():
    files = _store(120, 512 * 1024)  # 60 MB in all
    total = 0

    tracemalloc.start()
    try:
        stream = zip_stream([(f"p{n}.jpg", read_chunks(k)) for n, k in enumerate(files)])
        for piece in stream:
            total += len(piece)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert total > 60 * 1024 * 1024
    # A chunk or two in flight plus bookkeeping, never the archive (60 MB) or a whole file set.
    assert peak < 4 * CHUNK, peak
