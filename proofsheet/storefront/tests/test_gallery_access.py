"""Who may open a client gallery's pages (R05): public, unlisted, private with codes, throttled
guesses, rotation, expiry and the email gate — through the pages, as a browser uses them."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from proofsheet.galleries import access
from proofsheet.galleries.models import Favourite, Gallery, PhotoComment, Visibility
from proofsheet.galleries.selectors import rendition_url
from proofsheet.galleries.tests.factories import GalleryFactory
from proofsheet.storefront.tests.gallery_support import (
    HX,
    REAL_PHOTOS,
    WRONG_CODE,
    add_photos,
    content,
    decode,
    elements,
    email_url,
    favourite,
    gallery_url,
    give_email,
    og_tags,
    photo_url,
    private_gallery,
    tile_ids,
    unlock,
    unlock_url,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


@pytest.fixture
def photos_of(django_capture_on_commit_callbacks):
    """Give a gallery `count` real camera photos, processed and ready."""

    def add(gallery, count=2):
        return add_photos(django_capture_on_commit_callbacks, gallery, REAL_PHOTOS[:count])

    return add


@pytest.fixture
def throttle(settings):
    """Code-guess limits low enough to reach; a test sets the one it is about."""
    settings.GALLERY_CODE_THROTTLE = {
        "IP_PER_MINUTE": 1000,
        "GALLERY_PER_HOUR": 1000,
        "ALERT_AFTER": 1000,
    }
    return settings.GALLERY_CODE_THROTTLE


def client_urls(photos) -> dict[str, str]:
    """Every page a client can open in a gallery (GET)."""
    gallery, photo = photos[0].gallery, photos[0]
    return {
        "gallery": gallery_url(gallery),
        "photo": photo_url(photo),
        "photo info": photo_url(photo, "photo_info"),
        "favourites": gallery_url(gallery, "favourites"),
        "qr page": gallery_url(gallery, "qr"),
        "qr svg": gallery_url(gallery, "qr_svg"),
        "download": photo_url(photo, "download"),
    }


def leaks(text: str, gallery: Gallery, photos) -> list[str]:
    """What a page shown to someone without access must not contain."""
    secrets = [gallery.title, "/media/", "renditions/", "originals/"]
    secrets += [str(photo.public_id) for photo in photos]
    return [secret for secret in secrets if secret in text]


# --- public and unlisted --------------------------------------------------------------------


def test_a_public_gallery_is_open_to_anyone_and_shares_with_a_preview_card(client, photos_of):
    gallery = GalleryFactory(
        visibility=Visibility.PUBLIC, title="Harbour at dawn", description="Boats coming home."
    )
    photos = photos_of(gallery)
    gallery.refresh_from_db()

    response = client.get(gallery_url(gallery))

    assert response.status_code == 200
    html = response.text
    assert "Harbour at dawn" in html
    assert tile_ids(html) == [str(p.public_id) for p in sorted(photos, key=_shown_order)]
    assert "noindex" not in html and "X-Robots-Tag" not in response
    og = og_tags(html)
    assert og["og:title"] == "Harbour at dawn"
    assert og["og:description"] == "Boats coming home."
    assert og["og:url"] == settings.SITE_URL + gallery_url(gallery)
    cover_jpeg = rendition_url(gallery.cover_photo, "preview", "jpeg")
    assert og["og:image"] == settings.SITE_URL + cover_jpeg
    assert og["og:image"].startswith(("http://", "https://"))
    # The card's image is really there, a JPEG of the stated size.
    served = client.get(cover_jpeg)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    image = decode(content(served))
    assert (str(image.width), str(image.height)) == (og["og:image:width"], og["og:image:height"])


def _shown_order(photo):
    """Galleries show photos by capture time by default (ties by upload order)."""
    return (photo.captured_at, photo.pk)


def test_the_preview_card_image_stays_absolute_when_renditions_are_on_a_cdn(
    client, settings, photos_of
):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC)
    photos_of(gallery, 1)
    gallery.refresh_from_db()
    public = settings.STORAGES["public"]
    cdn = public | {"OPTIONS": public["OPTIONS"] | {"base_url": "https://cdn.example.test/m/"}}
    settings.STORAGES = settings.STORAGES | {"public": cdn}

    og = og_tags(client.get(gallery_url(gallery)).text)

    key = gallery.cover_photo.renditions["preview"]["jpeg"]
    assert og["og:image"] == f"https://cdn.example.test/m/{key}"


def test_an_unlisted_gallery_opens_by_its_link_but_asks_not_to_be_indexed(client, photos_of):
    gallery = GalleryFactory(visibility=Visibility.UNLISTED, title="Family picnic")
    photos = photos_of(gallery)

    for url in (gallery_url(gallery), photo_url(photos[0])):
        response = client.get(url)
        assert response.status_code == 200
        assert '<meta name="robots" content="noindex' in response.text
        assert "noindex" in response["X-Robots-Tag"]
        assert og_tags(response.text) == {}
        assert 'name="twitter:card"' not in response.text
    assert "Family picnic" in client.get(gallery_url(gallery)).text


# --- private galleries ------------------------------------------------------------------------


def test_a_private_gallery_sends_visitors_to_its_unlock_page_and_shows_nothing_there(
    client, photos_of
):
    gallery, _, _ = private_gallery(title="Smith wedding", downloads_enabled=True)
    photos = photos_of(gallery)

    for name, url in client_urls(photos).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"] == f"{unlock_url(gallery)}?next={url}", name
    # Writes without a code are refused outright.
    assert favourite(client, photos[0]).status_code == 403
    assert client.post(photo_url(photos[0], "comment_add"), {"body": "Hi"}).status_code == 403

    page = client.get(f"{unlock_url(gallery)}?next={gallery_url(gallery)}")
    assert page.status_code == 200
    assert elements(page.text, "input", name="code")
    assert leaks(page.text, gallery, photos) == []
    assert '<meta name="robots" content="noindex' in page.text
    assert "noindex" in page["X-Robots-Tag"]
    assert not Favourite.objects.exists() and not PhotoComment.objects.exists()


def test_a_wrong_code_is_refused_with_a_message_and_the_right_one_opens_the_gallery(
    client, photos_of
):
    gallery, client_code, _ = private_gallery(title="Smith wedding")
    photos = photos_of(gallery)

    wrong = unlock(client, gallery, WRONG_CODE)
    assert wrong.status_code == 403
    assert "That code is not right" in wrong.text
    assert leaks(wrong.text, gallery, photos) == []
    assert client.get(gallery_url(gallery)).status_code == 302  # still locked

    # Codes are forgiving about case and separators, as people type them on phones.
    right = unlock(client, gallery, client_code.lower().replace("-", " "))
    assert right.status_code == 302 and right["Location"] == gallery_url(gallery)
    page = client.get(gallery_url(gallery))
    assert page.status_code == 200
    assert "Smith wedding" in page.text
    assert set(tile_ids(page.text)) == {str(p.public_id) for p in photos}
    assert "noindex" in page["X-Robots-Tag"]
    assert og_tags(page.text) == {}  # a private gallery never describes itself to crawlers
    # A client may favourite: every photo has its (unpressed) heart.
    html = page.text
    assert [b["aria-pressed"] for b in elements(html, "button", class_="favourite")] == [
        "false",
        "false",
    ]
    # And the code took them back where they were going.
    photo_next = client.post(
        unlock_url(gallery), {"code": client_code, "next": photo_url(photos[1])}
    )
    assert photo_next["Location"] == photo_url(photos[1])


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)"]
)
def test_the_unlock_page_never_redirects_off_the_site(client, target):
    gallery, client_code, _ = private_gallery()

    response = client.post(unlock_url(gallery), {"code": client_code, "next": target})

    assert response.status_code == 302
    assert response["Location"] == gallery_url(gallery)


def test_a_guest_code_shows_the_photos_and_nothing_more(client, photos_of):
    gallery, _, guest_code = private_gallery(title="Smith wedding", downloads_enabled=True)
    photos = photos_of(gallery)

    assert unlock(client, gallery, guest_code).status_code == 302
    page = client.get(gallery_url(gallery))

    assert page.status_code == 200
    assert set(tile_ids(page.text)) == {str(p.public_id) for p in photos}
    assert "guest code" in page.text
    assert elements(page.text, "form", class_="favourite-form") == []
    assert "aria-pressed" not in page.text
    assert "data-favourite-url" not in page.text and "data-download-url" not in page.text
    assert gallery_url(gallery, "favourites") not in page.text
    photo_page = client.get(photo_url(photos[0]))
    assert photo_page.status_code == 200
    assert photo_url(photos[0], "download") not in photo_page.text
    assert photo_url(photos[0], "comment_add") not in photo_page.text

    assert favourite(client, photos[0]).status_code == 403
    assert favourite(client, photos[0], headers=HX).status_code == 403
    comment = client.post(photo_url(photos[0], "comment_add"), {"body": "Crop it"})
    assert comment.status_code == 403
    assert client.post(gallery_url(gallery, "list_create"), {"name": "Album"}).status_code == 403
    assert client.post(gallery_url(gallery, "selection_submit")).status_code == 403
    assert client.get(photo_url(photos[0], "download")).status_code == 404
    assert client.get(f"{photo_url(photos[0], 'download')}?size=original").status_code == 404
    assert not Favourite.objects.exists() and not PhotoComment.objects.exists()


def test_the_code_box_on_the_home_page_finds_the_gallery_from_the_code_alone(client, photos_of):
    gallery, client_code, _ = private_gallery(title="Smith wedding")
    other, _, _ = private_gallery(title="Jones christening")
    photos = photos_of(gallery)
    photos_of(other, 1)

    home = client.get("/")
    (box,) = elements(home.text, "form", class_="code-box")
    assert box["action"] == "/access/" and box["method"] == "post"
    assert elements(home.text, "input", name="code")

    wrong = client.post("/access/", {"code": WRONG_CODE})
    assert wrong.status_code == 403
    assert "That code is not right" in wrong.text
    assert "Smith wedding" not in wrong.text and "Jones christening" not in wrong.text

    found = client.post("/access/", {"code": f"  {client_code.lower()} "})
    assert found.status_code == 302 and found["Location"] == gallery_url(gallery)
    page = client.get(gallery_url(gallery))
    assert page.status_code == 200 and "Smith wedding" in page.text
    assert set(tile_ids(page.text)) == {str(p.public_id) for p in photos}
    # The code opened that gallery only.
    assert client.get(gallery_url(other)).status_code == 302


def test_code_guesses_from_one_address_are_throttled_even_with_the_right_code(
    client, throttle, photos_of
):
    throttle["IP_PER_MINUTE"] = 3
    gallery, client_code, _ = private_gallery(title="Smith wedding")
    photos_of(gallery, 1)

    for _ in range(3):
        assert unlock(client, gallery, WRONG_CODE).status_code == 403

    throttled = unlock(client, gallery, client_code)
    assert throttled.status_code == 429
    assert "Too many attempts" in throttled.text
    assert client.get(gallery_url(gallery)).status_code == 302  # not let in
    # The home page's code box counts the same guesses.
    assert client.post("/access/", {"code": client_code}).status_code == 429
    # Another address is not punished for this one's guesses.
    elsewhere = unlock(Client(), gallery, client_code, REMOTE_ADDR="198.51.100.20")
    assert elsewhere.status_code == 302
    # A minute later the right code works again.
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert unlock(client, gallery, client_code).status_code == 302
        assert client.get(gallery_url(gallery)).status_code == 200


def test_code_guesses_on_one_gallery_are_throttled_across_addresses(client, throttle, photos_of):
    throttle["GALLERY_PER_HOUR"] = 3
    gallery, client_code, _ = private_gallery(title="Smith wedding")
    other, other_code, _ = private_gallery()
    photos_of(gallery, 1)

    for n in range(3):
        assert unlock(Client(), gallery, WRONG_CODE, REMOTE_ADDR=f"198.51.100.{n}").status_code == (
            403
        )

    locked = unlock(client, gallery, client_code, REMOTE_ADDR="203.0.113.9")
    assert locked.status_code == 429
    assert "locked" in locked.text and "Smith wedding" not in locked.text
    assert client.get(gallery_url(gallery)).status_code == 302
    # Other galleries are not locked by it.
    assert unlock(client, other, other_code, REMOTE_ADDR="203.0.113.9").status_code == 302


def test_rotating_the_code_sends_every_session_back_to_the_unlock_page(client, photos_of):
    gallery, client_code, guest_code = private_gallery(title="Smith wedding")
    photos = photos_of(gallery)
    guest = Client()
    unlock(client, gallery, client_code)
    unlock(guest, gallery, guest_code)
    assert client.get(gallery_url(gallery)).status_code == 200
    assert client.get(photo_url(photos[0])).status_code == 200
    assert guest.get(gallery_url(gallery)).status_code == 200

    new_code = access.gallery_rotate_access_code(gallery=gallery)

    for visitor in (client, guest):
        for url in (gallery_url(gallery), photo_url(photos[0]), photo_url(photos[1])):
            response = visitor.get(url)
            assert response.status_code == 302, url
            assert response["Location"] == f"{unlock_url(gallery)}?next={url}"
    assert favourite(client, photos[0]).status_code == 403
    assert favourite(client, photos[0], headers=HX).status_code == 403
    # The old code is dead; the new one opens the gallery again.
    assert unlock(client, gallery, client_code).status_code == 403
    assert unlock(client, gallery, new_code).status_code == 302
    assert client.get(photo_url(photos[0])).status_code == 200


def test_removing_the_guest_code_closes_the_gallery_to_everyone_who_came_in_with_a_code(
    client, photos_of
):
    gallery, client_code, guest_code = private_gallery()
    photos_of(gallery, 1)
    guest = Client()
    unlock(client, gallery, client_code)
    unlock(guest, gallery, guest_code)

    access.gallery_remove_guest_code(gallery=gallery)

    for visitor in (client, guest):
        assert visitor.get(gallery_url(gallery))["Location"].startswith(unlock_url(gallery))
    assert unlock(guest, gallery, guest_code).status_code == 403
    assert unlock(client, gallery, client_code).status_code == 302
    assert client.get(gallery_url(gallery)).status_code == 200


def test_the_owner_previews_a_private_gallery_without_its_code(photographer_client, photos_of):
    gallery, _, _ = private_gallery(owner=photographer_client.user, title="Smith wedding")
    photos = photos_of(gallery)

    page = photographer_client.get(gallery_url(gallery))

    assert page.status_code == 200 and "Smith wedding" in page.text
    assert "Preview: you see this gallery as your clients do." in page.text
    assert set(tile_ids(page.text)) == {str(p.public_id) for p in photos}
    # Someone else signed in is a stranger here.
    stranger = Client()
    stranger.force_login(GalleryFactory().owner)
    assert stranger.get(gallery_url(gallery)).status_code == 302


# --- expiry ---------------------------------------------------------------------------------


def test_an_expired_gallery_is_gone_for_clients_but_its_owner_still_previews_it(
    client, photographer_client, photos_of
):
    gallery = GalleryFactory(
        owner=photographer_client.user,
        visibility=Visibility.PUBLIC,
        title="Summer fete",
        downloads_enabled=True,
    )
    photos = photos_of(gallery)
    assert client.get(gallery_url(gallery)).status_code == 200
    Gallery.objects.filter(pk=gallery.pk).update(expires_at=timezone.now() - timedelta(days=1))

    for name, url in client_urls(photos).items():
        response = client.get(url)
        assert response.status_code == 410, name
        assert "This gallery has expired" in response.text, name
        assert leaks(response.text, gallery, photos) == [], name
        assert '<meta name="robots" content="noindex' in response.text
    assert favourite(client, photos[0]).status_code == 410

    preview = photographer_client.get(gallery_url(gallery))
    assert preview.status_code == 200
    assert "Summer fete" in preview.text
    assert elements(preview.text, "p", class_="notice", role="note")
    assert "Preview: you see this gallery as your clients do." in preview.text
    assert set(tile_ids(preview.text)) == {str(p.public_id) for p in photos}
    assert photographer_client.get(photo_url(photos[0])).status_code == 200


def test_a_private_gallery_expires_even_for_visitors_who_had_its_code(client, photos_of):
    gallery, client_code, _ = private_gallery(title="Smith wedding")
    photos = photos_of(gallery)
    unlock(client, gallery, client_code)
    assert client.get(gallery_url(gallery)).status_code == 200

    Gallery.objects.filter(pk=gallery.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    response = client.get(gallery_url(gallery))
    assert response.status_code == 410
    assert leaks(response.text, gallery, photos) == []
    assert client.get(photo_url(photos[0])).status_code == 410


def test_a_gallery_expiring_later_is_still_open(client, photos_of):
    gallery = GalleryFactory(
        visibility=Visibility.PUBLIC, expires_at=timezone.now() + timedelta(days=1)
    )
    photos_of(gallery, 1)

    assert client.get(gallery_url(gallery)).status_code == 200


# --- the email gate ---------------------------------------------------------------------------


def test_a_gallery_that_requires_an_email_asks_for_one_first(client, photos_of):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC, require_email=True, title="Open day")
    photos = photos_of(gallery)

    for url in (gallery_url(gallery), photo_url(photos[0])):
        asked = client.get(url)
        assert asked.status_code == 302
        assert asked["Location"] == f"{email_url(gallery)}?next={url}"
    form = client.get(f"{email_url(gallery)}?next={photo_url(photos[0])}")
    assert form.status_code == 200
    assert elements(form.text, "input", type="email", name="email")
    assert elements(form.text, "input", name="next", value=photo_url(photos[0]))

    bad = client.post(email_url(gallery), {"email": "ann at home", "next": gallery_url(gallery)})
    assert bad.status_code == 400
    assert "Enter an email address like name@example.com." in bad.text
    assert client.get(gallery_url(gallery)).status_code == 302

    good = client.post(
        email_url(gallery), {"email": " Ann@Example.com ", "next": photo_url(photos[0])}
    )
    assert good.status_code == 302 and good["Location"] == photo_url(photos[0])
    page = client.get(gallery_url(gallery))
    assert page.status_code == 200 and "Open day" in page.text
    assert set(tile_ids(page.text)) == {str(p.public_id) for p in photos}


def test_a_private_gallery_that_requires_an_email_asks_for_the_code_then_the_email(
    client, photos_of
):
    gallery, client_code, _ = private_gallery(require_email=True, title="Smith wedding")
    photos_of(gallery, 1)

    # The email page of a private gallery is not a way around its code.
    assert client.get(email_url(gallery))["Location"] == unlock_url(gallery)
    assert client.post(email_url(gallery), {"email": "ann@example.com"})["Location"] == (
        unlock_url(gallery)
    )
    assert client.get(gallery_url(gallery))["Location"].startswith(unlock_url(gallery))

    unlock(client, gallery, client_code)
    assert client.get(gallery_url(gallery))["Location"].startswith(email_url(gallery))
    give_email(client, gallery)
    assert client.get(gallery_url(gallery)).status_code == 200


def test_a_heart_after_the_code_changed_says_why_it_was_refused(client, photos_of):
    """The lightbox shows the answer's text: it says what is missing, not a blank 403."""
    gallery, client_code, _ = private_gallery()
    photos = photos_of(gallery, 1)
    unlock(client, gallery, client_code)
    give_email(client, gallery)
    access.gallery_rotate_access_code(gallery=gallery)

    refused = favourite(client, photos[0], headers=HX)

    assert refused.status_code == 403
    assert refused.text == "A private gallery: enter its access code first."
    assert not Favourite.objects.exists()
