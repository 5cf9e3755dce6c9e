"""The photographer's side of client galleries in the studio: sharing, codes, PIN, selections."""

import csv
import io
import uuid

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from proofsheet.accounts.tests.factories import UserFactory
from proofsheet.galleries import access, proofing
from proofsheet.galleries.models import FavouriteList, Gallery, Photo, PhotoStatus
from proofsheet.galleries.tests.factories import GalleryFactory
from proofsheet.notifications.models import OutboundEmail

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


@pytest.fixture
def studio(photographer_client):
    return photographer_client


def make_photo(gallery: Gallery, name: str, **fields) -> Photo:
    return Photo.objects.create(
        gallery=gallery,
        owner=gallery.owner,
        original_key=f"originals/{uuid.uuid4().hex}.jpg",
        original_name=name,
        sha256=uuid.uuid4().hex,
        size=1000,
        format="jpeg",
        status=PhotoStatus.READY,
        **fields,
    )


def client_access(gallery: Gallery, email: str = "c@example.com") -> access.Access:
    return access.Access(gallery=gallery, role=access.CLIENT, email=email)


@pytest.fixture
def proofed(studio):
    """A gallery where c@example.com sent two picks with a comment; d@example.com is choosing."""
    gallery = GalleryFactory(owner=studio.user, title="Smith / Jones “wedding”")
    first, second, third = (
        make_photo(gallery, "IMG_0001.JPG", title="First dance"),
        make_photo(gallery, "IMG_0002.jpg"),
        make_photo(gallery, "IMG_0003.jpg"),
    )
    sender = client_access(gallery)
    proofing.favourite_set(access=sender, photo=first, on=True)
    proofing.favourite_set(access=sender, photo=second, on=True)
    proofing.photo_comment_add(access=sender, photo=first, body="=Please crop tighter")
    sent = proofing.favourite_list_submit(access=sender)
    chooser = client_access(gallery, "d@example.com")
    proofing.favourite_set(access=chooser, photo=third, on=True)
    open_list = FavouriteList.objects.get(visitor__email="d@example.com")
    return gallery, sent, open_list


def test_another_photographer_gets_404_everywhere(studio):
    foreign = GalleryFactory(visibility="private")
    photo = make_photo(foreign, "IMG_9.jpg")
    proofing.favourite_set(access=client_access(foreign), photo=photo, on=True)
    theirs = FavouriteList.objects.get()
    proofing.favourite_list_submit(access=client_access(foreign))
    g, lst = foreign.public_id, theirs.public_id

    assert studio.get(reverse("studio:selections", args=[g])).status_code == 404
    assert studio.get(reverse("studio:selection_export", args=[g, lst])).status_code == 404
    for name in ("gallery_guest_code", "gallery_guest_code_remove", "gallery_download_pin"):
        assert studio.post(reverse(f"studio:{name}", args=[g]), {"pin": "1234"}).status_code == 404
    assert studio.post(reverse("studio:selection_reopen", args=[g, lst])).status_code == 404
    # Their list under my gallery's id is not found either.
    mine = GalleryFactory(owner=studio.user)
    assert (
        studio.get(reverse("studio:selection_export", args=[mine.public_id, lst])).status_code
        == 404
    )
    assert (
        studio.post(reverse("studio:selection_reopen", args=[mine.public_id, lst])).status_code
        == 404
    )

    foreign.refresh_from_db()
    theirs.refresh_from_db()
    assert theirs.submitted_at is not None
    assert not foreign.guest_code_hash and not foreign.download_pin_hash


def test_clients_cannot_see_selections(proofed):
    gallery, _, _ = proofed
    client = Client()
    client.force_login(UserFactory())
    assert client.get(reverse("studio:selections", args=[gallery.public_id])).status_code == 403


def test_the_selections_page_shows_every_list_its_picks_and_the_comments(studio, proofed):
    gallery, sent, _ = proofed
    page = studio.get(reverse("studio:selections", args=[gallery.public_id]))
    assert page.status_code == 200
    text = page.text
    assert "c@example.com" in text and "d@example.com" in text
    assert "2 photos" in text and "1 photo " in text
    assert text.count('data-testid="selection"') == 2
    # The sent list comes first, with its time and a Reopen button; the open one has none.
    assert text.index("c@example.com") < text.index("d@example.com")
    assert "Sent</span>" in text and "In progress" in text
    assert text.count(">Reopen</button>") == 1
    assert reverse("studio:selection_reopen", args=[gallery.public_id, sent.public_id]) in text
    assert reverse("studio:selection_export", args=[gallery.public_id, sent.public_id]) in text
    assert "IMG_0001.JPG" in text and "IMG_0003.jpg" in text
    # The Lightroom filter, ready to copy, with how to use it.
    assert ">IMG_0001, IMG_0002</textarea>" in text
    assert 'data-copy="IMG_0001, IMG_0002"' in text
    assert "Lightroom Classic → Library → Filter: Text, Filename, Contains → paste" in text
    # The comment with the photo's name.
    assert "=Please crop tighter" in text and "First dance" in text


def test_the_gallery_page_links_to_the_selections_with_the_number_sent(studio, proofed):
    gallery, _, _ = proofed
    page = studio.get(reverse("studio:gallery", args=[gallery.public_id])).text
    assert reverse("studio:selections", args=[gallery.public_id]) in page
    assert '<span class="badge">1 sent</span>' in page


def test_export_csv_has_one_row_per_pick_with_a_safe_filename(studio, proofed):
    gallery, sent, _ = proofed
    response = studio.get(
        reverse("studio:selection_export", args=[gallery.public_id, sent.public_id])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="smith-jones-wedding-c-favourites.csv"; '
        "filename*=UTF-8''smith-jones-wedding-c-favourites.csv"
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["file_name"] for r in rows] == ["IMG_0001.JPG", "IMG_0002.jpg"]
    assert rows[0]["title"] == "First dance" and rows[0]["client"] == "c@example.com"
    assert rows[0]["list"] == "Favourites"
    # A client's comment cannot become a spreadsheet formula.
    assert rows[0]["comments"] == "'=Please crop tighter" and rows[1]["comments"] == ""


def test_reopen_unlocks_the_list_and_emails_the_client(
    studio, proofed, django_capture_on_commit_callbacks
):
    gallery, sent, _ = proofed
    url = reverse("studio:selection_reopen", args=[gallery.public_id, sent.public_id])
    assert studio.get(url).status_code == 405
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = studio.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("studio:selections", args=[gallery.public_id])
    assert "Reopened “Favourites”: c@example.com was emailed" in response.text

    sent.refresh_from_db()
    assert sent.submitted_at is None
    queued = OutboundEmail.objects.filter(to=["c@example.com"]).get()
    assert "change your picks" in queued.subject
    assert [m.to for m in mail.outbox] == [["c@example.com"]]
    # The client can change it again.
    photo = Photo.objects.get(original_name="IMG_0003.jpg")
    assert proofing.favourite_set(access=client_access(gallery), photo=photo, on=True)

    # Reopening an open list changes nothing and sends nothing.
    again = studio.post(url, follow=True)
    assert "already open" in again.text
    assert OutboundEmail.objects.filter(to=["c@example.com"]).count() == 1


def test_the_sharing_panel_shows_the_link_the_qr_page_and_the_codes(studio, settings):
    settings.SITE_URL = "https://photos.example.com"
    gallery = GalleryFactory(owner=studio.user, visibility="private")
    page = studio.get(reverse("studio:gallery", args=[gallery.public_id])).text
    link = f"https://photos.example.com/g/{gallery.public_id}/"
    assert f'value="{link}"' in page and f'data-copy="{link}"' in page
    assert f'href="{link}"' in page and "Preview as client" in page
    assert reverse("storefront:qr", args=[gallery.public_id]) in page
    assert reverse("studio:gallery_guest_code", args=[gallery.public_id]) in page
    assert "Any change to a code signs out everyone who entered one" in page
    assert "Client access code:" not in page

    public = GalleryFactory(owner=studio.user, visibility="public")
    page = studio.get(reverse("studio:gallery", args=[public.public_id])).text
    assert reverse("studio:gallery_guest_code", args=[public.public_id]) not in page
    assert "need no code" in page


def test_guest_code_is_made_shown_once_and_removed(studio):
    gallery = GalleryFactory(owner=studio.user, visibility="private")
    before = gallery.codes_rotated_at
    response = studio.post(
        reverse("studio:gallery_guest_code", args=[gallery.public_id]), follow=True
    )
    gallery.refresh_from_db()
    message = next(m.message for m in response.context["messages"])
    code = message.split("Guest code (view only): ")[1].split(" ")[0]
    assert gallery.guest_code_hash == access.code_hash(code)
    assert gallery.codes_rotated_at != before  # earlier code access is revoked
    assert code not in studio.get(reverse("studio:gallery", args=[gallery.public_id])).text
    assert "Remove</button>" in response.text

    studio.post(reverse("studio:gallery_guest_code_remove", args=[gallery.public_id]))
    gallery.refresh_from_db()
    assert gallery.guest_code_hash == ""


def test_a_public_gallery_gets_no_guest_code(studio):
    gallery = GalleryFactory(owner=studio.user, visibility="public")
    response = studio.post(
        reverse("studio:gallery_guest_code", args=[gallery.public_id]), follow=True
    )
    assert "Only private galleries have access codes." in response.text
    gallery.refresh_from_db()
    assert gallery.guest_code_hash == ""


def test_download_pin_is_set_checked_and_cleared(studio):
    gallery = GalleryFactory(owner=studio.user)
    url = reverse("studio:gallery_download_pin", args=[gallery.public_id])
    response = studio.post(url, {"pin": "4821"}, follow=True)
    assert "Download PIN saved" in response.text and "A PIN is set" in response.text
    gallery.refresh_from_db()
    assert gallery.download_pin_hash == access.code_hash("4821")

    refused = studio.post(url, {"pin": "12"}, follow=True)
    assert "Download PIN not saved" in refused.text
    gallery.refresh_from_db()
    assert gallery.download_pin_hash == access.code_hash("4821")

    studio.post(url, {"clear": "1"})
    gallery.refresh_from_db()
    assert gallery.download_pin_hash == ""


FORM = {
    "title": "Garden party",
    "visibility": "private",
    "photo_order": "captured",
    "layout": "masonry",
    "require_email": "on",
    "expires_at": "2030-07-01T18:30",
    "downloads_enabled": "on",
    "originals_downloadable": "on",
    "selection_min": "5",
    "selection_max": "20",
    "selection_deadline": "2030-06-15T12:00",
}


def test_the_gallery_form_saves_the_new_fields(studio, settings):
    settings.TIME_ZONE = "Europe/Paris"
    gallery = GalleryFactory(owner=studio.user)
    response = studio.post(reverse("studio:gallery_edit", args=[gallery.public_id]), FORM)
    assert response.status_code == 302
    gallery.refresh_from_db()
    assert gallery.layout == "masonry" and gallery.require_email
    assert gallery.downloads_enabled and gallery.originals_downloadable
    assert not gallery.show_exif  # an unticked box
    assert (gallery.selection_min, gallery.selection_max) == (5, 20)
    paris = timezone.get_current_timezone()
    assert timezone.localtime(gallery.expires_at, paris).strftime("%Y-%m-%d %H:%M") == (
        "2030-07-01 18:30"
    )
    assert gallery.selection_deadline.isoformat() == "2030-06-15T10:00:00+00:00"

    page = studio.get(reverse("studio:gallery_edit", args=[gallery.public_id])).text
    assert 'type="datetime-local" name="expires_at" value="2030-07-01T18:30"' in page
    assert "Time zone: Europe/Paris." in page
    assert "Clients must pick at least this many photos" in page


def test_the_gallery_form_rejects_a_minimum_above_the_maximum(studio):
    gallery = GalleryFactory(owner=studio.user, title="Kept")
    bad = FORM | {"selection_min": "30", "selection_max": "20"}
    response = studio.post(reverse("studio:gallery_edit", args=[gallery.public_id]), bad)
    assert response.status_code == 200
    assert response.context["form"].errors["selection_max"] == [
        "The maximum cannot be below the minimum."
    ]
    assert "Please correct the fields marked below." in response.text
    gallery.refresh_from_db()
    assert gallery.title == "Kept" and gallery.selection_min is None

    created = studio.post(reverse("studio:gallery_create"), bad)
    assert created.status_code == 200 and "selection_max" in created.context["form"].errors
    assert "Client access code" not in created.text
    assert Gallery.objects.count() == 1

    zero = studio.post(reverse("studio:gallery_create"), FORM | {"selection_min": "0"})
    assert "selection_min" in zero.context["form"].errors
    assert Gallery.objects.count() == 1
