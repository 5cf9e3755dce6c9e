"""GET /api/v1/client/galleries/{id}/download-all: the free "download all" for apps."""

from __future__ import annotations

import io
import uuid
import zipfile

import pytest

from proofsheet.api.tests.test_client_api import (
    API,
    app,
    h,
    private_gallery,
    small_jpeg,
    token_for,
)
from proofsheet.galleries import access, downloads, services
from proofsheet.galleries.models import PhotoOrder, PhotoSet, Visibility
from proofsheet.galleries.tests.factories import GalleryFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


@pytest.fixture
def add_photos(django_capture_on_commit_callbacks):
    """Ingest small JPEGs, different pixels each, and process them at once."""
    seeds = iter(range(1, 1000))

    def add(gallery, names, photo_set=None):
        photos = []
        for name in names:
            with django_capture_on_commit_callbacks(execute=True):
                result = services.photo_ingest(
                    gallery=gallery,
                    owner=gallery.owner,
                    source=io.BytesIO(small_jpeg(next(seeds))),
                    original_name=name,
                    photo_set=photo_set,
                )
            assert result.photo is not None, result.rejected
            photos.append(result.photo)
        return photos

    return add


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def unzip(response) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    assert archive.testzip() is None
    return archive


def zip_url(gallery, query: str = "") -> str:
    return f"{API}/{gallery.public_id}/download-all{query}"


def test_a_client_gets_every_photo_as_one_zip(add_photos):
    gallery, code, _ = private_gallery(
        downloads_enabled=True, slug="smith-wedding", photo_order=PhotoOrder.FILENAME
    )
    add_photos(gallery, ["b.jpg", "a.jpg", "a.JPG"])
    token = token_for(gallery, code=code)

    response = app().get(zip_url(gallery), headers=h(token))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="smith-wedding-photos.zip"'
    )
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    names = unzip(response).namelist()
    assert sorted(names[:2]) == ["a-2.jpg", "a.jpg"] and names[2] == "b.jpg"


def test_originals_and_one_set(add_photos):
    gallery, code, _ = private_gallery(downloads_enabled=True, photo_order=PhotoOrder.UPLOADED)
    portraits = PhotoSet.objects.create(gallery=gallery, name="Portraits")
    add_photos(gallery, ["p.jpg"], photo_set=portraits)
    add_photos(gallery, ["q.jpg"])
    token = token_for(gallery, code=code)
    c = app()

    refused = c.get(zip_url(gallery, "?size=original"), headers=h(token))
    assert refused.status_code == 403 and "originals" in refused.json()["message"]

    gallery.originals_downloadable = True
    gallery.save()
    response = c.get(
        zip_url(gallery, f"?size=original&set={portraits.public_id}"), headers=h(token)
    )
    assert response.status_code == 200
    archive = unzip(response)
    assert archive.namelist() == ["p.jpg"]
    assert archive.read("p.jpg") == small_jpeg(1)  # the original's bytes
    assert c.get(zip_url(gallery, f"?set={uuid.uuid4()}"), headers=h(token)).status_code == 404
    assert c.get(zip_url(gallery, "?size=huge"), headers=h(token)).status_code == 422


def test_who_is_refused_and_why(add_photos):
    gallery, code, guest_code = private_gallery(downloads_enabled=True)
    add_photos(gallery, ["a.jpg"])
    c = app()

    assert c.get(zip_url(gallery)).json()["code"] == "access_code_required"
    guest = c.get(zip_url(gallery), headers=h(token_for(gallery, code=guest_code)))
    assert guest.status_code == 403 and "view-only" in guest.json()["message"]
    gallery.downloads_enabled = False
    gallery.save()
    off = c.get(zip_url(gallery), headers=h(token_for(gallery, code=code)))
    assert off.status_code == 403 and "not available" in off.json()["message"]
    assert c.get(f"{API}/{uuid.uuid4()}/download-all").status_code == 404
    empty = GalleryFactory(visibility=Visibility.PUBLIC, downloads_enabled=True)
    assert c.get(zip_url(empty)).status_code == 404


def test_the_download_pin_travels_in_a_header(add_photos):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC, downloads_enabled=True)
    add_photos(gallery, ["a.jpg"])
    access.gallery_set_download_pin(gallery=gallery, pin="2468")
    c = app()

    assert c.get(zip_url(gallery)).json()["code"] == "download_pin_required"
    wrong = c.get(zip_url(gallery), headers={"X-Download-Pin": "1111"})
    assert wrong.status_code == 403 and "not right" in wrong.json()["message"]
    right = c.get(zip_url(gallery), headers={"X-Download-Pin": "2468"})
    assert unzip(right).namelist() == ["a.jpg"]


def test_too_many_archives_an_hour_is_429(add_photos, monkeypatch):
    monkeypatch.setattr(downloads, "PER_HOUR", 1)
    gallery = GalleryFactory(visibility=Visibility.PUBLIC, downloads_enabled=True)
    add_photos(gallery, ["a.jpg"])
    c = app()

    assert unzip(c.get(zip_url(gallery))).namelist() == ["a.jpg"]
    again = c.get(zip_url(gallery))
    assert again.status_code == 429 and "last hour" in again.json()["message"]
