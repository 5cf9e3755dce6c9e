"""/api/v1 for photographers: galleries and photos, with ownership and roles enforced."""

import pytest
from django.test import Client

from proofsheet.accounts.tests.factories import UserFactory
from proofsheet.galleries.models import Gallery, Photo, PhotoStatus
from proofsheet.galleries.tests.factories import GalleryFactory
from tests.support import PHOTOS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def test_create_list_update_delete_a_gallery(photographer_client):
    c = photographer_client
    created = c.post(
        "/api/v1/galleries",
        {"title": "Smith wedding", "visibility": "unlisted", "event_date": "2026-06-20"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["title"] == "Smith wedding" and body["visibility"] == "unlisted"
    assert body["counts"] == {"uploaded": 0, "processing": 0, "ready": 0, "failed": 0}

    assert [g["id"] for g in c.get("/api/v1/galleries").json()] == [body["id"]]
    patched = c.patch(
        f"/api/v1/galleries/{body['id']}", {"location": "Bath"}, content_type="application/json"
    )
    assert patched.json()["location"] == "Bath"
    assert c.delete(f"/api/v1/galleries/{body['id']}").status_code == 204
    assert not Gallery.objects.exists()


def test_upload_list_edit_and_delete_photos(
    photographer_client, django_capture_on_commit_callbacks
):
    c = photographer_client
    gallery = GalleryFactory(owner=c.user)
    with (
        (PHOTOS / "Canon_40D.jpg").open("rb") as good,
        (PHOTOS / "Canon_40D.jpg").open("rb") as again,
    ):
        bad = ("notes.jpg", b"<html>not a photo</html>")
        with django_capture_on_commit_callbacks(execute=True):
            response = c.post(
                f"/api/v1/galleries/{gallery.public_id}/photos", {"files": [good, again]}
            )
    assert response.status_code == 201, response.content
    results = response.json()
    assert [r["status"] for r in results] == ["accepted", "duplicate"]

    from django.core.files.uploadedfile import SimpleUploadedFile

    rejected = c.post(
        f"/api/v1/galleries/{gallery.public_id}/photos", {"files": [SimpleUploadedFile(*bad)]}
    ).json()
    assert rejected[0]["status"] == "rejected" and rejected[0]["reason"]

    photos = c.get(f"/api/v1/galleries/{gallery.public_id}/photos").json()
    assert len(photos) == 1
    photo = photos[0]
    assert photo["status"] == PhotoStatus.READY
    assert photo["renditions"]["preview"]["webp"].startswith("/media/public/renditions/")
    assert "original" not in str(photo).lower().replace("original_name", "")

    patched = c.patch(
        f"/api/v1/photos/{photo['id']}",
        {"caption": "First dance", "tags": ["Dance", "dance", " night "]},
        content_type="application/json",
    ).json()
    assert patched["caption"] == "First dance" and patched["tags"] == ["dance", "night"]
    assert c.delete(f"/api/v1/photos/{photo['id']}").status_code == 204
    assert not Photo.objects.exists()


def test_forbidden_fields_are_ignored(photographer_client):
    c = photographer_client
    other = UserFactory()
    body = c.post(
        "/api/v1/galleries",
        {"title": "T", "owner": other.pk, "id": "x", "client_code_hash": "abc"},
        content_type="application/json",
    ).json()
    gallery = Gallery.objects.get(public_id=body["id"])
    assert gallery.owner == c.user and gallery.client_code_hash == ""


def test_another_photographers_gallery_is_404(photographer_client):
    foreign = GalleryFactory()
    c = photographer_client
    assert c.get(f"/api/v1/galleries/{foreign.public_id}").status_code == 404
    assert (
        c.patch(
            f"/api/v1/galleries/{foreign.public_id}",
            {"title": "mine"},
            content_type="application/json",
        ).status_code
        == 404
    )
    assert c.delete(f"/api/v1/galleries/{foreign.public_id}").status_code == 404
    assert c.get(f"/api/v1/galleries/{foreign.public_id}/photos").status_code == 404
    with (PHOTOS / "Canon_40D.jpg").open("rb") as fh:
        assert (
            c.post(f"/api/v1/galleries/{foreign.public_id}/photos", {"files": [fh]}).status_code
            == 404
        )
    foreign.refresh_from_db()
    assert foreign.title != "mine" and not Photo.objects.exists()


def test_clients_cannot_use_the_studio_api():
    client = Client()
    client.force_login(UserFactory())
    assert client.get("/api/v1/galleries").status_code == 403
    assert (
        client.post(
            "/api/v1/galleries", {"title": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert Client().get("/api/v1/galleries").status_code == 401


def test_null_characters_are_a_clear_422(photographer_client):
    response = photographer_client.post(
        "/api/v1/galleries", {"title": "Bad\x00title"}, content_type="application/json"
    )
    assert response.status_code == 422
    assert "Null characters" in response.text
    assert not Gallery.objects.exists()
