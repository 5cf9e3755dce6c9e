"""The studio's gallery, photo, set and watermark forms: a gallery made private gets its client
code, bad text is refused beside its field (never a 500), and every `next` stays on the site."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from proofsheet.galleries.access import gallery_code_exchange
from proofsheet.galleries.models import Gallery, Photo, PhotoSet, WatermarkSettings
from proofsheet.galleries.tests.factories import GalleryFactory, make_photo

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

NUL = "bad\x00text"
OFF_SITE = ["x", "//evil.example/x", "https://evil.example/x", "javascript:alert(1)"]


@pytest.fixture
def studio(photographer_client):
    return photographer_client


def gallery_fields(**changes) -> dict:
    """What the gallery form posts (its required fields filled)."""
    return {
        "title": "Lee wedding",
        "visibility": "public",
        "photo_order": "captured",
        "layout": "justified",
        "show_exif": "on",
    } | changes


def flashed(response) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request)]


def test_a_gallery_made_private_in_the_studio_shows_its_new_code_once(studio):
    gallery = GalleryFactory(owner=studio.user, visibility="public")
    url = reverse("studio:gallery_edit", args=[gallery.public_id])

    made_private = studio.post(url, gallery_fields(visibility="private"), follow=True)

    (shown,) = [m for m in flashed(made_private) if m.startswith("Client access code:")]
    code = shown.split()[3]
    grant = gallery_code_exchange(gallery=None, code=code, ip="192.0.2.1")
    assert grant["gallery"] == str(gallery.public_id) and grant["role"] == "client"
    # Saved again, it keeps that code and shows none.
    again = studio.post(url, gallery_fields(visibility="private", title="Lee & Kim"), follow=True)
    assert not [m for m in flashed(again) if "access code" in m]
    assert gallery_code_exchange(gallery=None, code=code, ip="192.0.2.2")["role"] == "client"


# --- text no database can store: forms refuse it beside the field -----------------------------


@pytest.mark.parametrize("field", ["title", "description", "location"])
def test_a_nul_in_a_new_gallery_is_refused_beside_its_field(studio, field):
    response = studio.post(reverse("studio:gallery_create"), gallery_fields(**{field: NUL}))

    assert response.status_code == 200
    assert "Null characters are not allowed." in response.text
    assert not Gallery.objects.exists()


@pytest.mark.parametrize("field", ["title", "description", "location"])
def test_a_nul_in_a_gallery_change_is_refused_and_nothing_changes(studio, field):
    gallery = GalleryFactory(owner=studio.user, title="Kept", description="Kept", location="Kept")

    response = studio.post(
        reverse("studio:gallery_edit", args=[gallery.public_id]), gallery_fields(**{field: NUL})
    )

    assert response.status_code == 200
    assert "Null characters are not allowed." in response.text
    gallery.refresh_from_db()
    assert (gallery.title, gallery.description, gallery.location) == ("Kept", "Kept", "Kept")


@pytest.mark.parametrize("field", ["title", "caption", "alt_text", "tags"])
def test_a_nul_in_a_photo_is_refused_and_nothing_changes(studio, field):
    photo = make_photo(GalleryFactory(owner=studio.user), title="Kept", caption="Kept")
    fields = {"title": "T", "caption": "C", "alt_text": "A", "tags": "t"} | {field: NUL}

    response = studio.post(reverse("studio:photo", args=[photo.public_id]), fields)

    assert response.status_code == 200
    assert "Null characters are not allowed." in response.text
    assert Photo.objects.values_list("title", "caption").get() == ("Kept", "Kept")


def test_a_nul_in_a_bulk_edit_changes_no_photo(studio):
    gallery = GalleryFactory(owner=studio.user)
    photo = make_photo(gallery, caption="Kept")

    response = studio.post(
        reverse("studio:photos_bulk", args=[gallery.public_id]),
        {"action": "edit", "photos": [str(photo.public_id)], "caption": NUL},
    )

    assert response.status_code == 302
    assert Photo.objects.get().caption == "Kept"


@pytest.mark.parametrize("name", [NUL, "", "   "])
def test_set_names_are_checked_when_made_and_renamed(studio, name):
    gallery = GalleryFactory(owner=studio.user)
    existing = PhotoSet.objects.create(gallery=gallery, name="Ceremony", position=1)
    page = reverse("studio:gallery", args=[gallery.public_id])

    made = studio.post(reverse("studio:set_create", args=[gallery.public_id]), {"name": name})
    renamed = studio.post(
        reverse("studio:set_rename", args=[gallery.public_id, existing.public_id]), {"name": name}
    )

    assert made.status_code == 302 and made["Location"] == page
    assert renamed.status_code == 302
    assert renamed["Location"] == f"{page}?set={existing.public_id}"
    expected = "Null characters are not allowed." if name == NUL else "A set needs a name."
    assert flashed(made) == [expected]
    assert flashed(renamed)[-1] == expected
    assert list(PhotoSet.objects.values_list("name", flat=True)) == ["Ceremony"]


def test_a_set_cannot_take_another_sets_name(studio):
    gallery = GalleryFactory(owner=studio.user)
    PhotoSet.objects.create(gallery=gallery, name="Ceremony", position=1)
    party = PhotoSet.objects.create(gallery=gallery, name="Party", position=2)

    response = studio.post(
        reverse("studio:set_rename", args=[gallery.public_id, party.public_id]),
        {"name": "Ceremony"},
    )

    assert response.status_code == 302
    assert flashed(response) == ["This gallery already has a set with that name."]
    assert sorted(PhotoSet.objects.values_list("name", flat=True)) == ["Ceremony", "Party"]


def test_a_nul_in_the_watermark_text_is_refused(studio):
    response = studio.post(
        reverse("studio:watermark"),
        {"enabled": "on", "text": NUL, "position": "center", "opacity": "0.3", "size": "0.2"},
    )

    assert response.status_code == 200
    assert "Null characters are not allowed." in response.text
    assert not WatermarkSettings.objects.exists()


def test_a_position_that_is_not_a_number_is_refused(studio):
    photo = make_photo(GalleryFactory(owner=studio.user))

    response = studio.post(
        reverse("studio:photo_position", args=[photo.public_id]), {"position": "x"}
    )

    assert response.status_code == 302
    assert flashed(response) == ["Give the position as a number."]


# --- next ------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", OFF_SITE)
def test_bulk_actions_go_back_only_to_a_page_of_the_site(studio, target):
    gallery = GalleryFactory(owner=studio.user)
    photo = make_photo(gallery)

    response = studio.post(
        reverse("studio:photos_bulk", args=[gallery.public_id]),
        {"action": "cover", "photos": [str(photo.public_id)], "next": target},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("studio:gallery", args=[gallery.public_id])


def test_bulk_actions_go_back_to_the_page_they_came_from(studio):
    gallery = GalleryFactory(owner=studio.user)
    photo = make_photo(gallery)
    back = reverse("studio:gallery", args=[gallery.public_id]) + "?status=ready"

    response = studio.post(
        reverse("studio:photos_bulk", args=[gallery.public_id]),
        {"action": "cover", "photos": [str(photo.public_id)], "next": back},
    )

    assert response["Location"] == back
    assert Gallery.objects.get().cover_photo == photo
