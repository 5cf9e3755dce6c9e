""" "Download all" streams a ZIP: read back whole, and memory stays flat however many files."""

import io
import os
import tracemalloc
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from proofsheet.core.zipping import CHUNK, read_chunks, zip_length, zip_stream

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

    data = b"".join(
        zip_stream([(f"photo-{n}.jpg", read_chunks(k), None) for n, k in enumerate(files)])
    )

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
        stream = zip_stream([(f"p{n}.jpg", read_chunks(k), None) for n, k in enumerate(files)])
        for piece in stream:
            total += len(piece)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert total > 60 * 1024 * 1024
    # A chunk or two in flight plus bookkeeping, never the archive (60 MB) or a whole file set.
    assert peak < 4 * CHUNK, peak


def test_an_archive_of_files_of_known_size_knows_its_length_before_it_starts():
    files = _store(3, CHUNK + 5)
    sized = zip_stream(
        [(f"p{n}.jpg", read_chunks(k), len(v)) for n, (k, v) in enumerate(files.items())]
    )
    length = zip_length(sized)

    data = b"".join(sized)

    assert length == len(data)
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None


def test_one_file_of_unknown_size_makes_the_length_unknown_and_nothing_is_read_ahead():
    files = list(_store(2, CHUNK + 5))
    read = []

    def lazy(key):
        read.append(key)
        yield from read_chunks(key)

    archive = zip_stream(
        [("a.jpg", read_chunks(files[0]), CHUNK + 5), ("b.jpg", lazy(files[1]), None)]
    )

    assert zip_length(archive) is None
    assert read == []  # not read into memory to be sized: only when the ZIP reaches it
    assert zipfile.ZipFile(io.BytesIO(b"".join(archive))).namelist() == ["a.jpg", "b.jpg"]
