"""/api/v1 for photographers: client selections, exports, access codes, download PIN, and the
gallery fields that govern client galleries."""

import csv
import datetime as dt
import io
import uuid

import pytest
from django.core import mail

from proofsheet.galleries import access, proofing
from proofsheet.galleries.models import FavouriteList, Gallery, Photo, PhotoStatus
from proofsheet.galleries.tests.factories import GalleryFactory
from proofsheet.notifications.models import OutboundEmail

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
JSON = "application/json"


def make_photo(gallery: Gallery, name: str) -> Photo:
    return Photo.objects.create(
        gallery=gallery,
        owner=gallery.owner,
        original_key=f"originals/{uuid.uuid4().hex}.jpg",
        original_name=name,
        sha256=uuid.uuid4().hex,
        size=1000,
        format="jpeg",
        status=PhotoStatus.READY,
    )


def client_access(gallery: Gallery, email: str = "c@example.com") -> access.Access:
    return access.Access(gallery=gallery, role=access.CLIENT, email=email)


def sent_selection(gallery: Gallery) -> tuple[FavouriteList, list[Photo]]:
    """c@example.com picks two photos, comments on one, and sends the list."""
    photos = [make_photo(gallery, "IMG_0001.CR3.jpg"), make_photo(gallery, "IMG_0002.jpg")]
    who = client_access(gallery)
    for photo in photos:
        proofing.favourite_set(access=who, photo=photo, on=True)
    proofing.photo_comment_add(access=who, photo=photos[1], body="Warmer, please")
    return proofing.favourite_list_submit(access=who), photos


@pytest.fixture
def api(photographer_client):
    return photographer_client


def test_another_photographers_gallery_is_404_everywhere(api):
    foreign = GalleryFactory(visibility="private")
    theirs, _ = sent_selection(foreign)
    base = f"/api/v1/galleries/{foreign.public_id}"
    one = f"{base}/selections/{theirs.public_id}"
    assert api.get(f"{base}/selections").status_code == 404
    assert api.get(f"{one}/export?format=csv").status_code == 404
    assert api.get(f"{one}/export?format=lightroom").status_code == 404
    assert api.post(f"{one}/reopen").status_code == 404
    assert api.post(f"{base}/guest-code").status_code == 404
    assert api.post(f"{base}/client-code").status_code == 404
    assert api.delete(f"{base}/guest-code").status_code == 404
    assert api.put(f"{base}/download-pin", {"pin": "1234"}, content_type=JSON).status_code == 404
    # Their list under my own gallery is not found either.
    mine = GalleryFactory(owner=api.user)
    assert (
        api.post(
            f"/api/v1/galleries/{mine.public_id}/selections/{theirs.public_id}/reopen"
        ).status_code
        == 404
    )

    foreign.refresh_from_db()
    theirs.refresh_from_db()
    assert theirs.submitted_at is not None
    assert not foreign.guest_code_hash and not foreign.download_pin_hash


def test_selections_list_the_picks_and_the_comments(api):
    gallery = GalleryFactory(owner=api.user)
    sent, photos = sent_selection(gallery)
    proofing.favourite_set(access=client_access(gallery, "d@example.com"), photo=photos[0], on=True)
    body = api.get(f"/api/v1/galleries/{gallery.public_id}/selections").json()

    first, second = body["selections"]
    assert first["id"] == str(sent.public_id) and first["submitted"] is True
    assert first["client_email"] == "c@example.com" and first["count"] == 2
    assert first["photos"] == [
        {"photo_id": str(photos[0].public_id), "original_name": "IMG_0001.CR3.jpg"},
        {"photo_id": str(photos[1].public_id), "original_name": "IMG_0002.jpg"},
    ]
    assert second["client_email"] == "d@example.com" and second["submitted"] is False
    assert second["submitted_at"] is None and second["count"] == 1
    [comment] = body["comments"]
    assert comment["photo_id"] == str(photos[1].public_id)
    assert comment["photo_name"] == "IMG_0002.jpg"
    assert comment["client_email"] == "c@example.com" and comment["body"] == "Warmer, please"


def test_export_as_csv_and_as_a_lightroom_filter(api):
    gallery = GalleryFactory(owner=api.user, title="Lake wedding")
    sent, _ = sent_selection(gallery)
    url = f"/api/v1/galleries/{gallery.public_id}/selections/{sent.public_id}/export"

    response = api.get(f"{url}?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="lake-wedding-c-favourites.csv"; '
        "filename*=UTF-8''lake-wedding-c-favourites.csv"
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["file_name"], r["comments"]) for r in rows] == [
        ("IMG_0001.CR3.jpg", ""),
        ("IMG_0002.jpg", "Warmer, please"),
    ]
    assert api.get(url).content == response.content  # csv is the default

    lightroom = api.get(f"{url}?format=lightroom")
    assert lightroom.json() == {"filter": "IMG_0001.CR3, IMG_0002"}
    assert api.get(f"{url}?format=xlsx").status_code == 422


def test_reopen_unlocks_the_list_and_emails_the_client(api, django_capture_on_commit_callbacks):
    gallery = GalleryFactory(owner=api.user)
    sent, _ = sent_selection(gallery)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/galleries/{gallery.public_id}/selections/{sent.public_id}/reopen"
        )
    assert response.status_code == 200
    assert response.json()["submitted"] is False and response.json()["count"] == 2
    sent.refresh_from_db()
    assert sent.submitted_at is None
    assert OutboundEmail.objects.filter(to=["c@example.com"]).count() == 1
    assert [m.to for m in mail.outbox] == [["c@example.com"]]


def test_guest_code_is_made_and_removed(api):
    gallery = GalleryFactory(owner=api.user, visibility="private")
    url = f"/api/v1/galleries/{gallery.public_id}/guest-code"
    made = api.post(url)
    assert made.status_code == 200
    code = made.json()["code"]
    gallery.refresh_from_db()
    assert gallery.guest_code_hash == access.code_hash(code)
    assert api.get(f"/api/v1/galleries/{gallery.public_id}").json()["has_guest_code"] is True

    assert api.delete(url).status_code == 204
    gallery.refresh_from_db()
    assert gallery.guest_code_hash == ""

    client_code = api.post(f"/api/v1/galleries/{gallery.public_id}/client-code").json()["code"]
    gallery.refresh_from_db()
    assert gallery.client_code_hash == access.code_hash(client_code)

    public = GalleryFactory(owner=api.user, visibility="public")
    assert api.post(f"/api/v1/galleries/{public.public_id}/guest-code").status_code == 409


def test_download_pin_is_set_and_cleared(api):
    gallery = GalleryFactory(owner=api.user)
    url = f"/api/v1/galleries/{gallery.public_id}/download-pin"
    assert api.put(url, {"pin": "4821"}, content_type=JSON).json() == {"has_download_pin": True}
    gallery.refresh_from_db()
    assert gallery.download_pin_hash == access.code_hash("4821")

    assert api.put(url, {"pin": "12"}, content_type=JSON).status_code == 422
    assert api.put(url, {"pin": "12 34"}, content_type=JSON).status_code == 422
    gallery.refresh_from_db()
    assert gallery.download_pin_hash == access.code_hash("4821")

    assert api.put(url, {"pin": ""}, content_type=JSON).json() == {"has_download_pin": False}
    gallery.refresh_from_db()
    assert gallery.download_pin_hash == ""


def test_galleries_take_the_client_gallery_fields(api, settings):
    settings.SITE_URL = "https://photos.example.com"
    created = api.post(
        "/api/v1/galleries",
        {
            "title": "Garden party",
            "layout": "grid",
            "require_email": True,
            "expires_at": "2030-07-01T18:30:00+02:00",
            "downloads_enabled": True,
            "selection_min": 5,
            "selection_max": 20,
        },
        content_type=JSON,
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["layout"] == "grid" and body["require_email"] is True
    assert dt.datetime.fromisoformat(body["expires_at"]) == dt.datetime(
        2030, 7, 1, 16, 30, tzinfo=dt.UTC
    )
    assert body["downloads_enabled"] is True and body["originals_downloadable"] is False
    assert body["show_exif"] is True
    assert (body["selection_min"], body["selection_max"]) == (5, 20)
    assert body["client_url"] == f"https://photos.example.com/g/{body['id']}/"
    # Private (the default), so it came with its client code, as in the studio.
    assert body["has_client_code"] is True and body["client_code"]
    assert body["has_download_pin"] is False

    url = f"/api/v1/galleries/{body['id']}"
    patched = api.patch(
        url,
        {"show_exif": False, "expires_at": None, "selection_deadline": "2030-06-01T12:00:00Z"},
        content_type=JSON,
    ).json()
    assert patched["show_exif"] is False and patched["expires_at"] is None
    assert dt.datetime.fromisoformat(patched["selection_deadline"]) == dt.datetime(
        2030, 6, 1, 12, tzinfo=dt.UTC
    )
    assert patched["layout"] == "grid"  # untouched

    too_many = api.patch(url, {"selection_min": 30}, content_type=JSON)
    assert too_many.status_code == 422
    assert "maximum cannot be below the minimum" in too_many.json()["message"]
    naive = api.patch(url, {"expires_at": "2030-07-01T18:30:00"}, content_type=JSON)
    assert naive.status_code == 422  # a time needs its zone
    assert api.patch(url, {"selection_max": 0}, content_type=JSON).status_code == 422
    gallery = Gallery.objects.get()
    assert gallery.selection_min == 5 and gallery.expires_at is None
