""" "Download all" on the gallery page: the button, the streamed ZIP, and who is refused."""

from __future__ import annotations

import io
import uuid
import zipfile

import pytest
from django.test import Client

from proofsheet.galleries import access, downloads, services
from proofsheet.galleries.models import PhotoOrder, PhotoSet, Visibility
from proofsheet.galleries.tests.factories import GalleryFactory
from proofsheet.storefront.tests.gallery_support import (
    REAL_PHOTOS,
    add_photos,
    content,
    decode,
    elements,
    gallery_url,
    private_gallery,
    unlock,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


@pytest.fixture
def photos_of(django_capture_on_commit_callbacks):
    def add(gallery, sources=None, photo_set=None):
        chosen = sources if sources is not None else REAL_PHOTOS[:2]
        return add_photos(django_capture_on_commit_callbacks, gallery, chosen, photo_set=photo_set)

    return add


def free_gallery(**fields):
    fields.setdefault("visibility", Visibility.PUBLIC)
    fields.setdefault("downloads_enabled", True)
    fields.setdefault("photo_order", PhotoOrder.UPLOADED)
    return GalleryFactory(**fields)


def zip_url(gallery, query: str = "") -> str:
    return gallery_url(gallery, "download_all") + query


def unzip(response) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(content(response)))
    assert archive.testzip() is None
    return archive


def test_the_gallery_page_offers_the_button_and_it_streams_every_photo(client, photos_of):
    gallery = free_gallery(title="Beach day", slug="beach-day")
    photos = photos_of(gallery)
    page = client.get(gallery_url(gallery)).text
    assert len(elements(page, "a", href=zip_url(gallery))) == 1
    assert ">Download all</a>" in page
    assert not elements(page, "select", name="size")  # no originals: no size to choose

    response = client.get(zip_url(gallery))

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"beach-day-photos.zip\"; filename*=UTF-8''beach-day-photos.zip"
    )
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "no-referrer"
    archive = unzip(response)
    assert archive.namelist() == [p.original_name for p in photos]
    for photo in photos:
        data = archive.read(photo.original_name)
        image = decode(data)
        assert data[:3] == b"\xff\xd8\xff" and image.width > 0
        assert "exif-data" not in image.get_fields()  # clean, like the single download
    # The same file as the single download of that photo.
    single = client.get(f"/g/{gallery.public_id}/p/{photos[0].public_id}/download/")
    assert content(single) == archive.read(photos[0].original_name)
    # The first archive made the web-size files as it went, so its length was not known; now
    # every file is made, the next one says its length (the browser shows the time left).
    assert not response.has_header("Content-Length")
    again = client.get(zip_url(gallery))
    assert int(again["Content-Length"]) == len(content(again))


def test_originals_come_with_a_size_choice_when_the_photographer_allows_them(client, photos_of):
    gallery = free_gallery(slug="studio")
    photos = photos_of(gallery)
    assert client.get(zip_url(gallery, "?size=original")).status_code == 404

    services.gallery_update(gallery=gallery, originals_downloadable=True)
    page = client.get(gallery_url(gallery)).text
    assert len(elements(page, "form", action=zip_url(gallery), method="get")) == 1
    assert elements(page, "option", value="original")
    assert elements(page, "select", name="size")

    response = client.get(zip_url(gallery, "?size=original"))

    assert response["Content-Disposition"].startswith('attachment; filename="studio-originals.zip"')
    length = int(response["Content-Length"])  # originals are there from the start
    archive = unzip(response)
    assert archive.fp.getbuffer().nbytes == length
    for photo, source in zip(photos, REAL_PHOTOS[:2], strict=True):
        assert archive.read(photo.original_name) == source.read_bytes()


def test_one_set_from_its_tab(client, photos_of):
    gallery = free_gallery(slug="wedding")
    ceremony = PhotoSet.objects.create(gallery=gallery, name="Ceremony")
    (rings,) = photos_of(gallery, REAL_PHOTOS[:1], photo_set=ceremony)
    photos_of(gallery, REAL_PHOTOS[1:2])
    page = client.get(gallery_url(gallery) + f"?set={ceremony.public_id}").text
    assert len(elements(page, "a", href=zip_url(gallery, f"?set={ceremony.public_id}"))) == 1
    assert ">Download this set</a>" in page

    response = client.get(zip_url(gallery, f"?set={ceremony.public_id}"))

    assert 'filename="wedding-ceremony-photos.zip"' in response["Content-Disposition"]
    assert unzip(response).namelist() == [rings.original_name]
    assert client.get(zip_url(gallery, f"?set={uuid.uuid4()}")).status_code == 404
    assert client.get(zip_url(gallery, "?set=nonsense")).status_code == 404


def test_refused_as_a_single_download_is(client, photos_of):
    off = free_gallery(downloads_enabled=False)
    photos_of(off, REAL_PHOTOS[:1])
    assert client.get(zip_url(off)).status_code == 404
    assert not elements(client.get(gallery_url(off)).text, "a", href=zip_url(off))

    # A guest code is view only: no button, and the address is refused as a photo's is.
    gallery, _, guest_code = private_gallery(downloads_enabled=True)
    photos_of(gallery, REAL_PHOTOS[:1])
    guest = Client()
    unlock(guest, gallery, guest_code)
    assert not elements(guest.get(gallery_url(gallery)).text, "a", href=zip_url(gallery))
    assert guest.get(zip_url(gallery)).status_code == 404

    # Without the code at all: the unlock page, as for every page of a private gallery.
    asked = Client().get(zip_url(gallery))
    assert asked.status_code == 302 and "/unlock/" in asked["Location"]

    assert client.get(f"/g/{uuid.uuid4()}/download-all/").status_code == 404
    empty = free_gallery()
    assert client.get(zip_url(empty)).status_code == 404


def test_the_download_pin_page_gates_it(client, photos_of):
    gallery = free_gallery()
    photos_of(gallery, REAL_PHOTOS[:1])
    access.gallery_set_download_pin(gallery=gallery, pin="2468")
    pin_url = gallery_url(gallery, "download_pin")
    target = zip_url(gallery)

    asked = client.get(target)
    assert asked.status_code == 302 and asked["Location"] == f"{pin_url}?next={target}"
    wrong = client.post(pin_url, {"pin": "1111", "next": target})
    assert wrong.status_code == 403
    assert client.get(target).status_code == 302

    right = client.post(pin_url, {"pin": "2468", "next": target})
    assert right.status_code == 302 and right["Location"] == target
    assert len(unzip(client.get(target)).namelist()) == 1


def test_too_many_archives_an_hour_is_429_with_a_reason(client, photos_of, monkeypatch):
    monkeypatch.setattr(downloads, "PER_HOUR", 2)
    gallery = free_gallery()
    photos_of(gallery, REAL_PHOTOS[:1])

    for _ in range(2):
        content(client.get(zip_url(gallery)))
    refused = client.get(zip_url(gallery))

    assert refused.status_code == 429
    assert "2 times in the last hour" in refused.text
    assert elements(refused.text, "a", href=gallery_url(gallery))  # a way back
    # Another visitor (another IP) still may.
    assert Client(REMOTE_ADDR="198.51.100.9").get(zip_url(gallery)).status_code == 200


def test_a_gallery_over_the_cap_explains_itself(client, photos_of, monkeypatch):
    monkeypatch.setattr(downloads, "MAX_PHOTOS", 1)
    gallery = free_gallery()
    photos_of(gallery)

    refused = client.get(zip_url(gallery))

    assert refused.status_code == 400
    assert "more than 1 photos" in refused.text and "a set at a time" in refused.text
