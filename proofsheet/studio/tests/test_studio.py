"""The studio in the Django test client: access, galleries, resumable uploads, bulk edits."""

import base64

import pytest
from django.test import Client
from django.urls import reverse

from proofsheet.accounts.tests.factories import UserFactory
from proofsheet.galleries.models import Gallery, Photo, PhotoSet, PhotoStatus
from proofsheet.galleries.tests.factories import GalleryFactory, PhotographerFactory
from tests.support import PHOTOS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}


@pytest.fixture
def studio(photographer_client):
    return photographer_client


def test_clients_and_visitors_cannot_enter_the_studio():
    visitor = Client()
    assert visitor.get("/studio/").status_code == 302
    client = Client()
    client.force_login(UserFactory())
    assert client.get("/studio/").status_code == 403


def test_create_a_private_gallery_shows_its_access_code_once(studio):
    response = studio.post(
        reverse("studio:gallery_create"),
        {"title": "Garden party", "visibility": "private", "photo_order": "captured"},
        follow=True,
    )

    gallery = Gallery.objects.get()
    assert gallery.owner == studio.user and gallery.client_code_hash
    assert "Client access code:" in response.text
    assert response.request["PATH_INFO"] == f"/studio/galleries/{gallery.public_id}/"
    assert "Client access code:" not in studio.get(response.request["PATH_INFO"]).text


def test_another_photographers_gallery_is_404(studio):
    foreign = GalleryFactory()
    for name in ("studio:gallery", "studio:gallery_edit", "studio:gallery_photos"):
        assert studio.get(reverse(name, args=[foreign.public_id])).status_code == 404
    assert (
        studio.post(reverse("studio:gallery_delete", args=[foreign.public_id])).status_code == 404
    )
    assert Gallery.objects.filter(pk=foreign.pk).exists()


def tus_create(client, gallery, length, filename="photo.jpg", **extra):
    meta = "filename " + base64.b64encode(filename.encode()).decode()
    return client.post(
        reverse("studio:tus", args=[gallery.public_id]),
        HTTP_UPLOAD_LENGTH=str(length),
        HTTP_UPLOAD_METADATA=meta,
        **TUS,
        **extra,
    )


def tus_patch(client, location, offset, data):
    return client.generic(
        "PATCH",
        location,
        data,
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET=str(offset),
        **TUS,
    )


def test_a_resumable_upload_in_chunks_becomes_a_photo(studio, django_capture_on_commit_callbacks):
    gallery = GalleryFactory(owner=studio.user)
    data = (PHOTOS / "Canon_40D.jpg").read_bytes()
    created = tus_create(studio, gallery, len(data), filename="Canon 40D.jpg")
    assert created.status_code == 201
    location = created["Location"]

    first = tus_patch(studio, location, 0, data[:4000])
    assert first.status_code == 204 and first["Upload-Offset"] == "4000"
    # After a dropped connection the browser asks where to go on from.
    head = studio.head(location, **TUS)
    assert head["Upload-Offset"] == "4000" and head["Upload-Length"] == str(len(data))
    assert tus_patch(studio, location, 0, data[:10]).status_code == 409  # stale offset
    with django_capture_on_commit_callbacks(execute=True):
        last = tus_patch(studio, location, 4000, data[4000:])

    assert last.status_code == 204 and last["X-Proofsheet-Status"] == "accepted"
    photo = Photo.objects.get()
    assert str(photo.public_id) == last["X-Proofsheet-Photo"]
    assert photo.original_name == "Canon_40D.jpg" and photo.status == PhotoStatus.READY


def test_a_rejected_upload_says_why(studio):
    gallery = GalleryFactory(owner=studio.user)
    data = b"<svg xmlns='http://www.w3.org/2000/svg'/>"
    location = tus_create(studio, gallery, len(data), filename="logo.svg")["Location"]
    response = tus_patch(studio, location, 0, data)
    assert response.status_code == 422
    assert response["X-Proofsheet-Status"] == "rejected"
    assert "not accepted" in response.text
    assert not Photo.objects.exists()
    # The upload is forgotten: a retry starts over and is judged again.
    assert studio.head(location, **TUS).status_code == 404


def test_uploads_are_limited_in_size_and_private_to_their_owner(studio, settings):
    gallery = GalleryFactory(owner=studio.user)
    settings.PHOTOS = settings.PHOTOS | {"MAX_FILE_BYTES": 1000}
    assert tus_create(studio, gallery, 5000).status_code == 413
    location = tus_create(studio, gallery, 500)["Location"]

    intruder = Client()
    intruder.force_login(PhotographerFactory())
    assert intruder.head(location, **TUS).status_code == 404
    # Not even through another gallery of the same photographer.
    other = GalleryFactory(owner=studio.user)
    upload_id = location.rstrip("/").rsplit("/", 1)[-1]
    elsewhere = reverse("studio:tus_upload", args=[other.public_id, upload_id])
    assert studio.head(elsewhere, **TUS).status_code == 404


def test_bulk_edit_move_and_delete(studio, django_capture_on_commit_callbacks):
    from proofsheet.galleries import services

    gallery = GalleryFactory(owner=studio.user)
    with django_capture_on_commit_callbacks(execute=True):
        photos = [
            services.photo_ingest(
                gallery=gallery, owner=studio.user, source=PHOTOS / n, original_name=n
            ).photo
            for n in ("Canon_40D.jpg", "Nikon_D70.jpg")
        ]
    ids = [str(p.public_id) for p in photos]
    photo_set = services.photo_set_create(gallery=gallery, name="Ceremony")
    url = reverse("studio:photos_bulk", args=[gallery.public_id])

    studio.post(
        url, {"action": "edit", "photos": ids, "caption": "At the lake", "add_tags": "lake, Summer"}
    )
    studio.post(url, {"action": "move", "photos": ids[:1], "photo_set": str(photo_set.public_id)})
    assert {p.caption for p in Photo.objects.all()} == {"At the lake"}
    assert all(p.tags == ["lake", "summer"] for p in Photo.objects.all())
    assert PhotoSet.objects.get().photos.count() == 1

    grid = studio.get(reverse("studio:gallery_photos", args=[gallery.public_id])).text
    assert grid.count('data-testid="photo"') == 2 and "2 ready" in grid

    studio.post(url, {"action": "delete", "photos": ids})
    assert not Photo.objects.exists()


def test_edit_a_photo_on_its_page(studio, django_capture_on_commit_callbacks):
    from proofsheet.galleries import services

    gallery = GalleryFactory(owner=studio.user)
    with django_capture_on_commit_callbacks(execute=True):
        photo = services.photo_ingest(
            gallery=gallery,
            owner=studio.user,
            source=PHOTOS / "gps" / "DSCN0010.jpg",
            original_name="DSCN0010.jpg",
        ).photo
    url = reverse("studio:photo", args=[photo.public_id])
    page = studio.get(url).text
    assert "private" in page  # the GPS position is shown to the photographer as private
    assert 'type="image/webp"' in page and "srcset=" in page

    response = studio.post(
        url,
        {
            "title": "Old town",
            "caption": "",
            "alt_text": "A street",
            "tags": "street, town",
            "show_location": "on",
        },
    )

    assert response.status_code == 302
    photo.refresh_from_db()
    assert (photo.title, photo.alt_text, photo.tags, photo.show_location) == (
        "Old town",
        "A street",
        ["street", "town"],
        True,
    )


def test_a_logo_watermark_regenerates_previews(studio, media, django_capture_on_commit_callbacks):
    import pyvips
    from django.core.files.uploadedfile import SimpleUploadedFile

    from proofsheet.galleries import services

    gallery = GalleryFactory(owner=studio.user)
    with django_capture_on_commit_callbacks(execute=True):
        photo = services.photo_ingest(
            gallery=gallery,
            owner=studio.user,
            source=PHOTOS / "Nikon_D70.jpg",
            original_name="n.jpg",
        ).photo
    photo.refresh_from_db()
    before = photo.renditions["preview"]["jpeg"]
    logo = (pyvips.Image.black(200, 80, bands=4) + [255, 255, 255, 255]).cast("uchar")

    with django_capture_on_commit_callbacks(execute=True):
        response = studio.post(
            reverse("studio:gallery_watermark", args=[gallery.public_id]),
            {
                "enabled": "on",
                "text": "",
                "position": "tiled",
                "opacity": "0.8",
                "size": "0.3",
                "logo": SimpleUploadedFile("logo.png", logo.pngsave_buffer(), "image/png"),
            },
        )

    assert response.status_code == 302
    photo.refresh_from_db()
    after = photo.renditions["preview"]["jpeg"]
    assert after != before
    assert not (media / "public" / before).exists()
    # Only the preview carries the watermark; it is visibly brighter with white tiles.
    preview = pyvips.Image.new_from_file(str(media / "public" / after))
    assert preview.avg() > pyvips.Image.new_from_file(str(PHOTOS / "Nikon_D70.jpg")).avg() + 5


def test_a_logo_must_be_an_image(studio):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = studio.post(
        reverse("studio:watermark"),
        {
            "enabled": "on",
            "position": "center",
            "opacity": "0.5",
            "size": "0.2",
            "logo": SimpleUploadedFile("logo.png", b"<svg/>", "image/png"),
        },
    )
    assert response.status_code == 200
    assert "not accepted" in response.text or "not a" in response.text


def test_reorder_by_keyboard_friendly_position(studio, django_capture_on_commit_callbacks):
    from proofsheet.galleries import selectors, services

    gallery = GalleryFactory(owner=studio.user)
    with django_capture_on_commit_callbacks(execute=True):
        first, second, third = (
            services.photo_ingest(
                gallery=gallery, owner=studio.user, source=PHOTOS / n, original_name=n
            ).photo
            for n in ("Canon_40D.jpg", "Nikon_D70.jpg", "orientation/landscape_1.jpg")
        )

    studio.post(reverse("studio:photo_position", args=[third.public_id]), {"position": "1"})

    gallery.refresh_from_db()
    assert gallery.photo_order == "custom"
    assert [p.pk for p in selectors.gallery_photos(gallery)] == [third.pk, first.pk, second.pk]
    assert 'value="1"' in studio.get(reverse("studio:photo", args=[third.public_id])).text


def test_bulk_actions_never_redirect_off_site(studio):
    gallery = GalleryFactory(owner=studio.user)
    response = studio.post(
        reverse("studio:photos_bulk", args=[gallery.public_id]),
        {
            "action": "delete",
            "photos": ["00000000-0000-0000-0000-000000000000"],
            "next": "https://evil.example/phish",
        },
    )
    assert response.status_code == 302
    assert response.url == f"/studio/galleries/{gallery.public_id}/"


def test_garbage_ids_in_upload_metadata_are_ignored(studio, django_capture_on_commit_callbacks):
    gallery = GalleryFactory(owner=studio.user)
    data = (PHOTOS / "Nikon_D70.jpg").read_bytes()
    meta = ", ".join(
        f"{k} {base64.b64encode(v.encode()).decode()}"
        for k, v in {"filename": "n.jpg", "setId": "not-a-uuid", "batchId": "'; drop"}.items()
    )
    location = studio.post(
        reverse("studio:tus", args=[gallery.public_id]),
        HTTP_UPLOAD_LENGTH=str(len(data)),
        HTTP_UPLOAD_METADATA=meta,
        **TUS,
    )["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        response = tus_patch(studio, location, 0, data)
    assert response.status_code == 204 and response["X-Proofsheet-Status"] == "accepted"
    assert Photo.objects.get().photo_set is None
