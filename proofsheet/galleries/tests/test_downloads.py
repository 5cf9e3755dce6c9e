""" "Download all": which photos, in which order, under which names, for whom — streamed."""

from __future__ import annotations

import io
import os
import tracemalloc
import uuid
import zipfile
from datetime import timedelta

import pytest
import pyvips
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.utils import timezone

from proofsheet.core.zipping import CHUNK
from proofsheet.galleries import downloads, processing, services
from proofsheet.galleries.access import CLIENT, GUEST, OWNER, Access, gallery_set_download_pin
from proofsheet.galleries.downloads import ORIGINAL, WEB, DownloadRefused, gallery_zip, zip_names
from proofsheet.galleries.models import Gallery, Photo, PhotoOrder, PhotoSet, PhotoStatus
from proofsheet.galleries.tests.factories import GalleryFactory
from tests.support import PHOTOS

pytestmark = pytest.mark.django_db
IP = "203.0.113.7"


def stored_photo(gallery: Gallery, name: str, data: bytes | None = None, **fields) -> Photo:
    """A photo row as processing leaves it, its original stored in private storage."""
    fields.setdefault("status", PhotoStatus.READY)
    key = uuid.uuid4().hex
    original_key = storages["private"].save(
        f"originals/test/{key}.jpg", ContentFile(data if data is not None else name.encode())
    )
    return Photo.objects.create(
        gallery=gallery,
        owner=gallery.owner,
        original_key=original_key,
        original_name=name,
        sha256=key * 2,
        size=1234,
        format="jpeg",
        width=3000,
        height=2000,
        **fields,
    )


def free(**fields) -> Gallery:
    fields.setdefault("downloads_enabled", True)
    fields.setdefault("originals_downloadable", True)
    return GalleryFactory(**fields)


def client_of(gallery: Gallery, role: str = CLIENT) -> Access:
    return Access(gallery=gallery, role=role, email="ann@example.com")


def unzip(data: bytes) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    return archive


def read_all(archive: downloads.GalleryZip) -> zipfile.ZipFile:
    return unzip(b"".join(archive.archive))


def originals(gallery: Gallery, **kwargs) -> zipfile.ZipFile:
    kwargs.setdefault("pin_unlocked", False)
    return read_all(gallery_zip(access=client_of(gallery), ip=IP, size=ORIGINAL, **kwargs))


# --- names --------------------------------------------------------------------------------


def names_of(*original_names: str, size: str = WEB, fmt: str = "jpeg") -> list[str]:
    photos = [Photo(original_name=n, format=fmt) for n in original_names]
    return zip_names(photos, size)


def test_names_are_the_original_stems_made_unique():
    assert names_of("IMG_1.JPG", "IMG_2.png", "IMG_1.jpg", "img_1.jpeg", "IMG_1.tif") == [
        "IMG_1.jpg",
        "IMG_2.jpg",
        "IMG_1-2.jpg",
        "img_1-3.jpg",  # the same name to a case-blind folder
        "IMG_1-4.jpg",
    ]


def test_originals_keep_their_own_extension():
    assert names_of("a.JPG", "b.tiff", "c", "d.heic", size=ORIGINAL) == [
        "a.jpg",
        "b.tiff",
        "c.jpg",
        "d.heic",
    ]
    assert names_of("scan", size=ORIGINAL, fmt="png") == ["scan.png"]


def test_names_never_leave_the_archive_folder_or_break_a_file_system():
    names = names_of("../../etc/passwd.jpg", "..\\..\\boot.jpg", 'a:b*c?"d<e>|f.jpg', "....jpg", "")
    assert names == ["passwd.jpg", "boot.jpg", "a_b_c__d_e__f.jpg", "photo.jpg", "photo-2.jpg"]
    assert not any("/" in n or "\\" in n for n in names)


# --- which photos, in which order -----------------------------------------------------------


def test_the_ready_photos_come_in_the_gallerys_order_and_nothing_else(media):
    gallery = free(photo_order=PhotoOrder.CUSTOM)
    third = stored_photo(gallery, "c.jpg", position=3)
    first = stored_photo(gallery, "a.jpg", position=1)
    stored_photo(gallery, "busy.jpg", position=0, status=PhotoStatus.PROCESSING)
    stored_photo(gallery, "broken.jpg", position=0, status=PhotoStatus.FAILED)
    second = stored_photo(gallery, "b.jpg", position=2)
    GalleryFactory(owner=gallery.owner)  # another gallery's photos stay out
    stored_photo(Gallery.objects.exclude(pk=gallery.pk).get(), "other.jpg")

    archive = originals(gallery)

    assert archive.namelist() == ["a.jpg", "b.jpg", "c.jpg"]
    for photo in (first, second, third):
        assert archive.read(photo.original_name) == photo.original_name.encode()
    assert all(i.compress_type == zipfile.ZIP_STORED for i in archive.infolist())

    gallery.photo_order = PhotoOrder.FILENAME
    gallery.save()
    stored_photo(gallery, "0-first-by-name.jpg", position=9)
    assert originals(gallery).namelist()[0] == "0-first-by-name.jpg"


def test_one_set_alone(media):
    gallery = free()
    ceremony = PhotoSet.objects.create(gallery=gallery, name="Ceremony")
    stored_photo(gallery, "rings.jpg", photo_set=ceremony)
    stored_photo(gallery, "party.jpg")

    archive = gallery_zip(
        access=client_of(gallery), ip=IP, pin_unlocked=False, photo_set=ceremony, size=ORIGINAL
    )

    assert archive.count == 1
    assert archive.filename == f"{gallery.slug}-ceremony-originals.zip"
    assert read_all(archive).namelist() == ["rings.jpg"]


def test_web_size_is_a_clean_jpeg_made_only_when_the_zip_reaches_it(
    media, django_capture_on_commit_callbacks
):
    gallery = free(originals_downloadable=False, photo_order=PhotoOrder.UPLOADED)
    photos = []
    for name in ("Canon_40D.jpg", "Nikon_D70.jpg"):
        with django_capture_on_commit_callbacks(execute=True):
            result = services.photo_ingest(
                gallery=gallery, owner=gallery.owner, source=PHOTOS / name, original_name=name
            )
        photos.append(result.photo)
    private = storages["private"]

    archive = gallery_zip(access=client_of(gallery), ip=IP, pin_unlocked=False)

    assert archive.filename == f"{gallery.slug}-photos.zip"
    assert not private.exists("downloads")  # nothing rendered yet
    files = read_all(archive)
    assert files.namelist() == ["Canon_40D.jpg", "Nikon_D70.jpg"]
    for photo in photos:
        photo.refresh_from_db()
        data = files.read(f"{photo.original_name}")
        with private.open(processing.photo_web_download(photo), "rb") as fh:
            assert data == fh.read()  # the single download's file, kept
        image = pyvips.Image.new_from_buffer(data, "")
        assert data[:3] == b"\xff\xd8\xff" and max(image.width, image.height) <= 1600
        with private.open(photo.original_key, "rb") as fh:
            assert data != fh.read()


# --- who may --------------------------------------------------------------------------------


def refused(gallery: Gallery, *, role: str = CLIENT, **kwargs) -> DownloadRefused:
    kwargs.setdefault("pin_unlocked", False)
    kwargs.setdefault("ip", IP)
    with pytest.raises(DownloadRefused) as caught:
        gallery_zip(access=client_of(gallery, role), **kwargs)
    return caught.value


def test_only_clients_of_a_gallery_with_free_downloads(media):
    gallery = free(downloads_enabled=False)
    stored_photo(gallery, "a.jpg")
    assert refused(gallery).reason == "forbidden"

    gallery.downloads_enabled = True
    gallery.save()
    guest = refused(gallery, role=GUEST)
    assert guest.reason == "forbidden" and "view-only" in str(guest)
    assert gallery_zip(access=client_of(gallery, OWNER), ip=IP, pin_unlocked=False).count == 1


def test_originals_only_when_the_photographer_allows_them(media):
    gallery = free(originals_downloadable=False)
    stored_photo(gallery, "a.jpg")
    assert refused(gallery, size=ORIGINAL).reason == "original"
    assert refused(gallery, size="huge").reason == "forbidden"
    assert gallery_zip(access=client_of(gallery), ip=IP, pin_unlocked=False).count == 1


def test_a_download_pin_must_be_entered_first(media):
    gallery = free()
    stored_photo(gallery, "a.jpg")
    gallery_set_download_pin(gallery=gallery, pin="2468")

    assert refused(gallery).reason == "pin"
    assert gallery_zip(access=client_of(gallery), ip=IP, pin_unlocked=True).count == 1


def test_nothing_to_download_and_too_much_to_download(media, monkeypatch):
    gallery = free()
    assert refused(gallery).reason == "empty"
    stored_photo(gallery, "busy.jpg", status=PhotoStatus.PROCESSING)
    assert refused(gallery).reason == "empty"

    monkeypatch.setattr(downloads, "MAX_PHOTOS", 2)
    stored_photo(gallery, "a.jpg")
    stored_photo(gallery, "b.jpg")
    assert gallery_zip(access=client_of(gallery), ip=IP, pin_unlocked=False).count == 2
    stored_photo(gallery, "c.jpg")
    too_many = refused(gallery)
    assert too_many.reason == "too_many" and "more than 2 photos" in str(too_many)


def test_an_ip_may_start_a_few_archives_an_hour_per_gallery(media, monkeypatch):
    monkeypatch.setattr(downloads, "PER_HOUR", 2)
    gallery, other = free(), free()
    stored_photo(gallery, "a.jpg")
    stored_photo(other, "b.jpg")

    def start(chosen: Gallery, ip: str = IP) -> downloads.GalleryZip:
        return gallery_zip(access=client_of(chosen), ip=ip, pin_unlocked=False)

    assert refused(gallery, size=ORIGINAL + "-huge").reason == "forbidden"  # costs nothing
    start(gallery)
    start(gallery)
    throttled = refused(gallery)
    assert throttled.reason == "throttled" and "Try again later" in str(throttled)
    start(gallery, ip="198.51.100.1")  # another visitor
    start(other)  # another gallery
    with time_machine.travel(timezone.now() + timedelta(hours=1, seconds=1)):
        start(gallery)  # the hour has passed


# --- memory -------------------------------------------------------------------------------


def test_memory_stays_flat_however_many_photos(media):
    gallery = free()
    for n in range(120):
        stored_photo(gallery, f"p{n:03d}.jpg", data=os.urandom(512 * 1024))  # 60 MB in all
    total = 0

    tracemalloc.start()
    try:
        archive = gallery_zip(access=client_of(gallery), ip=IP, pin_unlocked=False, size=ORIGINAL)
        for piece in archive.archive:
            total += len(piece)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert archive.count == 120
    assert total > 60 * 1024 * 1024
    # A chunk or two in flight plus the photo rows, never the archive (60 MB) or a set of files.
    assert peak < 4 * CHUNK, peak
