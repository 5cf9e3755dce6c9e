"""/api/v1 for photographers: galleries and photos, with ownership and roles enforced."""

import pytest
from django.test import Client

from proofsheet.accounts.tests.factories import UserFactory
from proofsheet.galleries.access import code_hash
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
    assert gallery.owner == c.user
    # The hash is that of the code the answer gave, not the one sent.
    assert gallery.client_code_hash == code_hash(body["client_code"]) != "abc"


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


def opens_as_client(gallery_id: str, code: str) -> bool:
    """Whether a visitor with `code` gets a client token for the gallery (as an app would)."""
    response = Client().post(
        f"/api/v1/client/galleries/{gallery_id}/access",
        {"code": code},
        content_type="application/json",
    )
    return response.status_code == 200 and response.json()["role"] == "client"


def test_a_private_gallery_made_through_the_api_comes_with_its_client_code(photographer_client):
    """As in the studio: the code is in the answer that makes the gallery, and only there."""
    c = photographer_client
    created = c.post("/api/v1/galleries", {"title": "Lee wedding"}, content_type="application/json")

    assert created.status_code == 201
    body = created.json()
    assert body["visibility"] == "private" and body["has_client_code"] is True
    assert opens_as_client(body["id"], body["client_code"])
    # Shown once: reading the gallery again never shows it.
    assert "client_code" not in c.get(f"/api/v1/galleries/{body['id']}").json()
    assert body["client_code"] not in c.get("/api/v1/galleries").text

    public = c.post(
        "/api/v1/galleries",
        {"title": "Open day", "visibility": "public"},
        content_type="application/json",
    ).json()
    assert public["client_code"] is None and public["has_client_code"] is False


def test_a_gallery_made_private_through_the_api_gets_its_client_code_once(photographer_client):
    c = photographer_client
    gallery = c.post(
        "/api/v1/galleries",
        {"title": "Open day", "visibility": "public"},
        content_type="application/json",
    ).json()
    url = f"/api/v1/galleries/{gallery['id']}"

    private = c.patch(url, {"visibility": "private"}, content_type="application/json").json()
    renamed = c.patch(url, {"title": "Open day 2"}, content_type="application/json").json()

    assert private["has_client_code"] is True
    assert opens_as_client(gallery["id"], private["client_code"])
    assert renamed["client_code"] is None
    assert opens_as_client(gallery["id"], private["client_code"])


def test_a_new_gallery_sells_from_the_default_sheet_in_the_api_as_in_the_studio(
    photographer_client,
):
    from proofsheet.catalog.selectors import sheet_for_gallery
    from proofsheet.catalog.tests.factories import PriceSheetFactory

    default = PriceSheetFactory(owner=photographer_client.user, is_default=True)
    body = photographer_client.post(
        "/api/v1/galleries", {"title": "Lee wedding"}, content_type="application/json"
    ).json()

    assert sheet_for_gallery(Gallery.objects.get(public_id=body["id"])) == default


def test_the_cover_must_be_a_photo_of_the_gallery(photographer_client):
    from proofsheet.galleries.tests.factories import make_photo

    c = photographer_client
    gallery = GalleryFactory(owner=c.user)
    mine, elsewhere = make_photo(gallery), make_photo(GalleryFactory(owner=c.user))
    url = f"/api/v1/galleries/{gallery.public_id}"

    set_cover = c.patch(
        url, {"cover_photo_id": str(mine.public_id)}, content_type="application/json"
    )
    assert set_cover.json()["cover_photo_id"] == str(mine.public_id)
    refused = c.patch(
        url,
        {"title": "x", "cover_photo_id": str(elsewhere.public_id)},
        content_type="application/json",
    )
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    gallery.refresh_from_db()
    assert gallery.cover_photo == mine and gallery.title != "x"
