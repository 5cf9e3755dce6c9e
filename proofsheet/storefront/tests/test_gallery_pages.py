"""What a gallery's visitors do on its pages: favourites and selections, comments, paging,
downloads, sharing, listings — and what no page may ever give away (R06, R08, R09)."""

import re
import uuid
from datetime import timedelta
from email.header import decode_header, make_header
from urllib.parse import quote
from xml.etree import ElementTree

import pytest
import segno
from django.conf import settings
from django.core.files.storage import storages
from django.test import Client
from django.utils import timezone

from proofsheet.accounts.tests.factories import UserFactory
from proofsheet.galleries import access, client_selectors, services
from proofsheet.galleries.models import (
    Favourite,
    FavouriteList,
    PhotoComment,
    PhotoSet,
    Visibility,
)
from proofsheet.galleries.tests.factories import GalleryFactory, PhotographerFactory
from proofsheet.notifications.models import Notification, OutboundEmail
from proofsheet.storefront.tests.gallery_support import (
    HX,
    PREVIEW_CAP,
    REAL_PHOTOS,
    add_photos,
    big_camera_photo,
    content,
    decode,
    elements,
    email_url,
    favourite,
    gallery_url,
    give_email,
    has_gps,
    media_urls,
    photo_url,
    pressed,
    private_gallery,
    public_key,
    stored_image,
    tile_ids,
    unlock,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


@pytest.fixture
def photos_of(django_capture_on_commit_callbacks):
    """Give a gallery real camera photos (the first `count`, or the given files), ready."""

    def add(gallery, count=2, *, sources=None, photo_set=None, name=None):
        chosen = sources if sources is not None else REAL_PHOTOS[:count]
        return add_photos(
            django_capture_on_commit_callbacks, gallery, chosen, photo_set=photo_set, name=name
        )

    return add


@pytest.fixture(scope="session")
def big_photo(tmp_path_factory):
    """A camera photo twice the preview cap on its long edge, with GPS in its EXIF."""
    return big_camera_photo(tmp_path_factory.mktemp("big-photo"))


def watermarked(**fields):
    """A public gallery whose photographer burns "© Ann Lee" into every preview."""
    gallery = GalleryFactory(visibility=Visibility.PUBLIC, **fields)
    services.watermark_update(owner=gallery.owner, text="© Ann Lee", opacity=0.6)
    return gallery


def messages_on(html: str) -> list[str]:
    """The flash messages a page shows."""
    return re.findall(r'<li class="message[^"]*">(.*?)</li>', html, re.S)


def shown_order(photos):
    """Capture time (undated last), then upload order: how galleries sort by default."""
    return sorted(photos, key=lambda p: (p.captured_at is None, p.captured_at or 0, p.pk))


# --- favourites and selections -------------------------------------------------------------


def test_favouriting_asks_for_an_email_first_then_marks_the_photo(client, photos_of):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC)
    first, second, third = photos_of(gallery, 3)
    assert pressed(client.get(gallery_url(gallery)).text, first) == "false"

    asked = favourite(client, first)
    assert asked.status_code == 302
    assert asked["Location"] == (
        f"{email_url(gallery)}?next={gallery_url(gallery)}%23photo-{first.public_id}"
        f"&favourite={first.public_id}"
    )
    hx_asked = favourite(client, first, headers=HX)
    assert hx_asked.status_code == 204 and hx_asked["HX-Redirect"] == asked["Location"]
    assert not Favourite.objects.exists()

    give_email(client, gallery, "ann@example.com")
    marked = favourite(client, first)

    assert marked.status_code == 302 and marked["Location"] == gallery_url(gallery)
    page = client.get(gallery_url(gallery)).text
    assert pressed(page, first) == "true"
    assert pressed(page, second) == "false" and pressed(page, third) == "false"
    assert elements(page, "figure", id=f"photo-{first.public_id}", class_="tile is-favourite")
    assert pressed(client.get(photo_url(first)).text, first) == "true"

    # With htmx the answer is the pressed button alone, ready to swap in.
    fragment = favourite(client, second, headers=HX)
    assert fragment.status_code == 200
    html = fragment.text.strip()
    assert html.startswith('<form class="favourite-form"') and html.endswith("</form>")
    assert "<html" not in html and "<body" not in html
    assert pressed(html, second) == "true"
    assert elements(html, "input", name="on", value="0")  # pressing again removes it

    picks = client.get(gallery_url(gallery, "favourites"))
    assert picks.status_code == 200
    assert tile_ids(picks.text) == [str(first.public_id), str(second.public_id)]
    assert "Send 2 photos to" in picks.text

    # Pressing again removes it; the same press twice changes nothing more.
    favourite(client, first, on=False)
    favourite(client, first, on=False, headers=HX)
    assert pressed(client.get(gallery_url(gallery)).text, first) == "false"
    assert tile_ids(client.get(gallery_url(gallery, "favourites")).text) == [str(second.public_id)]
    # Someone else's hearts are their own.
    other = Client()
    give_email(other, gallery, "bob@example.com")
    assert pressed(other.get(gallery_url(gallery)).text, second) == "false"


def answer_email_form(client, url: str, email: str):
    """Open the email form at `url` and send it as a browser would (its hidden fields too)."""
    form = client.get(url)
    assert form.status_code == 200
    fields = {field["name"]: field.get("value", "") for field in elements(form.text, "input")}
    return client.post(url.split("?")[0], fields | {"email": email})


def test_the_heart_that_asked_for_an_email_is_saved_once_it_is_given(client, photos_of):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC)
    ceremony = PhotoSet.objects.create(gallery=gallery, name="Ceremony")
    first, second = photos_of(gallery, 2, photo_set=ceremony)
    here = f"{gallery_url(gallery)}?set={ceremony.public_id}&layout=grid"

    # Without JavaScript: the heart's form sends the visitor to the email form…
    asked = client.post(photo_url(first, "favourite"), {"on": "1", "next": here})
    assert asked.status_code == 302 and asked["Location"].startswith(email_url(gallery))
    assert not Favourite.objects.exists()
    given = answer_email_form(client, asked["Location"], "ann@example.com")

    # …which saves that heart and goes back to the page they were on, at the photo's tile.
    assert given.status_code == 302
    assert given["Location"] == f"{here}#photo-{first.public_id}"
    back = client.get(given["Location"])
    assert pressed(back.text, first) == "true" and pressed(back.text, second) == "false"
    assert messages_on(back.text) == ["Added to your favourites."]
    assert list(Favourite.objects.values_list("photo", flat=True)) == [first.pk]

    # With htmx (a tile's heart or the lightbox's) the same, through HX-Redirect.
    other = Client()
    hx_asked = other.post(photo_url(second, "favourite"), {"on": "1", "next": here}, headers=HX)
    assert hx_asked.status_code == 204
    given = answer_email_form(other, hx_asked["HX-Redirect"], "bob@example.com")
    assert given["Location"] == f"{here}#photo-{second.public_id}"
    assert pressed(other.get(here).text, second) == "true"
    assert Favourite.objects.filter(favourite_list__visitor__email="bob@example.com").count() == 1


@pytest.mark.parametrize("photo_id", ["!!!", "5ce2792a-62f9-418c-8522-204cfdd0f1aa", "foreign"])
def test_the_email_form_ignores_a_heart_that_is_not_this_gallerys(client, photos_of, photo_id):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC)
    photos_of(gallery, 1)
    if photo_id == "foreign":
        (foreign,) = photos_of(GalleryFactory(visibility=Visibility.PUBLIC), 1)
        photo_id = str(foreign.public_id)

    given = client.post(
        email_url(gallery),
        {"email": "ann@example.com", "next": gallery_url(gallery), "favourite": photo_id},
    )

    assert given.status_code == 302 and given["Location"] == gallery_url(gallery)
    assert not Favourite.objects.exists()


def test_sending_a_selection_checks_the_rules_then_locks_it_and_tells_the_photographer(
    client, photos_of
):
    gallery = GalleryFactory(
        visibility=Visibility.PUBLIC,
        title="Smith wedding",
        selection_min=2,
        owner__display_name="Ann Lee",
    )
    photos = photos_of(gallery, 3)
    give_email(client, gallery, "bride@example.com")
    favourite(client, photos[0])
    (picks,) = FavouriteList.objects.all()
    favourites_url = gallery_url(gallery, "favourites")
    submit_url = gallery_url(gallery, "selection_submit")

    page = client.get(favourites_url).text
    assert "Your photographer asks for" in page and "at least 2 photos" in page
    assert "Pick at least 2 photos (1 so far)." in page

    too_few = client.post(submit_url, {"list": str(picks.public_id)})
    assert too_few.status_code == 302
    assert messages_on(client.get(too_few["Location"]).text) == [
        "Pick at least 2 photos (1 so far)."
    ]
    picks.refresh_from_db()
    assert picks.submitted_at is None
    assert not Notification.objects.exists() and not OutboundEmail.objects.exists()

    favourite(client, photos[1])
    sent = client.post(submit_url, {"list": str(picks.public_id), "note": "Both in colour"})

    assert sent.status_code == 302
    page = client.get(sent["Location"]).text
    assert messages_on(page) == ["Sent “Favourites” to Ann Lee."]
    assert "“Favourites” was sent to your photographer on" in page
    assert elements(page, "form", class_="submit-selection") == []
    picks.refresh_from_db()
    assert picks.submitted_at is not None

    # The list is locked: a heart is refused with the reason, and nothing changes.
    refused = favourite(client, photos[2])
    assert refused.status_code == 302
    assert messages_on(client.get(refused["Location"]).text) == [
        "“Favourites” was sent to your photographer; ask them to reopen it."
    ]
    assert favourite(client, photos[2], headers=HX).status_code == 409
    assert favourite(client, photos[0], on=False, headers=HX).status_code == 409
    assert set(picks.items.values_list("photo_id", flat=True)) == {photos[0].pk, photos[1].pk}
    again = client.post(submit_url, {"list": str(picks.public_id)})
    assert messages_on(client.get(again["Location"]).text) == ["“Favourites” was already sent."]

    # The photographer heard about it once, in the studio and by email.
    (note,) = Notification.objects.filter(user=gallery.owner)
    assert "bride@example.com sent 2 picks" in note.message and "Smith wedding" in note.message
    (mail,) = OutboundEmail.objects.all()
    assert mail.to == [gallery.owner.email]
    assert mail.subject == "New selection in “Smith wedding”"
    assert "Their note: Both in colour" in mail.body_text


def test_a_line_break_in_the_gallery_title_neither_blocks_the_email_nor_injects_a_header(
    client, photos_of, smtp_server, settings, django_capture_on_commit_callbacks
):
    from config.env import mailer_from_url

    settings.MAILERS = {"default": mailer_from_url(smtp_server.url)}
    gallery = GalleryFactory(visibility=Visibility.PUBLIC, title="Summer\r\nBcc: evil@example.com")
    photo = photos_of(gallery, 1)[0]
    give_email(client, gallery, "bride@example.com")
    favourite(client, photo)
    (picks,) = FavouriteList.objects.all()

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(gallery_url(gallery, "selection_submit"), {"list": str(picks.public_id)})

    assert sent.status_code == 302
    (outbound,) = OutboundEmail.objects.all()
    assert outbound.status == OutboundEmail.Status.SENT, outbound.last_error
    (mail,) = smtp_server.wait_for(1)
    subject = str(make_header(decode_header(mail["Subject"])))
    assert subject == "New selection in “Summer Bcc: evil@example.com”"
    assert mail["Bcc"] is None
    assert mail["To"] == gallery.owner.email


def test_a_comment_is_seen_by_its_author_and_the_photographer_only(
    client, photographer_client, photos_of
):
    gallery = GalleryFactory(owner=photographer_client.user, visibility=Visibility.PUBLIC)
    photo, other_photo = photos_of(gallery)
    comment_url = photo_url(photo, "comment_add")
    body = "Could you crop <b>this</b> a little tighter?"

    asked = client.post(comment_url, {"body": body})
    assert asked["Location"].startswith(email_url(gallery))
    give_email(client, gallery, "ann@example.com")
    posted = client.post(comment_url, {"body": body})

    assert posted.status_code == 302 and posted["Location"] == photo_url(photo)
    page = client.get(photo_url(photo)).text
    assert messages_on(page) == ["Comment sent to your photographer."]
    assert len(elements(page, "blockquote", class_="comment")) == 1
    assert "Could you crop &lt;b&gt;this&lt;/b&gt; a little tighter?" in page  # text, not markup
    assert "ann@example.com" in page
    assert "tighter" not in client.get(photo_url(other_photo)).text

    # Another visitor, with comments of their own, sees only theirs.
    bob = Client()
    give_email(bob, gallery, "bob@example.com")
    bob.post(comment_url, {"body": "Please keep the colours warm"})
    bobs_page = bob.get(photo_url(photo)).text
    assert "keep the colours warm" in bobs_page
    assert "tighter" not in bobs_page and "ann@example.com" not in bobs_page
    assert "keep the colours warm" not in client.get(photo_url(photo)).text
    assert "tighter" not in Client().get(photo_url(photo)).text
    # The photographer reads them all.
    studio_view = photographer_client.get(photo_url(photo)).text
    assert "Could you crop &lt;b&gt;this&lt;/b&gt; a little tighter?" in studio_view
    assert "keep the colours warm" in studio_view

    empty = client.post(comment_url, {"body": "   "})
    assert messages_on(client.get(empty["Location"]).text) == ["Write something first."]
    assert PhotoComment.objects.count() == 2


# --- paging ------------------------------------------------------------------------------------


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(client_selectors, "PAGE_SIZE", 3)
    return 3


def _walk(client, start_url: str) -> list[list[str]]:
    """Follow the "More photos" links from `start_url`: the tiles of each page."""
    pages, url = [], start_url
    while url:
        response = client.get(url)
        assert response.status_code == 200
        pages.append(tile_ids(response.text))
        more = elements(response.text, "a", class_="load-more")
        url = None
        if more:
            assert "More photos" in response.text
            # The gallery's own path: the lightbox shows a photo's address while it loads more.
            assert more[0]["href"].startswith(start_url.split("?")[0] + "?")
            assert "after=" in more[0]["href"]
            url = more[0]["href"]
        assert len(pages) < 20, "the links go round in circles"
    return pages


def test_more_photos_links_visit_every_photo_exactly_once(client, small_pages, photos_of):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC)
    photos = photos_of(gallery, 8)

    pages = _walk(client, gallery_url(gallery))

    assert [len(page) for page in pages] == [3, 3, 2]
    seen = [photo_id for page in pages for photo_id in page]
    assert seen == [str(p.public_id) for p in shown_order(photos)]


def test_paging_inside_a_set_stays_inside_it(client, small_pages, photos_of):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC, photo_order="filename")
    ceremony = PhotoSet.objects.create(gallery=gallery, name="Ceremony")
    inside = photos_of(gallery, sources=REAL_PHOTOS[:5], photo_set=ceremony)
    photos_of(gallery, sources=REAL_PHOTOS[5:8])

    pages = _walk(client, f"{gallery_url(gallery)}?set={ceremony.public_id}")

    assert [len(page) for page in pages] == [3, 2]
    expected = sorted(inside, key=lambda p: (p.original_name, p.pk))
    assert [photo_id for page in pages for photo_id in page] == [str(p.public_id) for p in expected]


def test_an_htmx_request_for_more_photos_gets_only_the_tiles(client, small_pages, photos_of):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC)
    photos_of(gallery, 7)
    first = client.get(gallery_url(gallery)).text
    (more,) = elements(first, "a", class_="load-more")
    assert more["hx-get"] == more["href"] and more["hx-trigger"] == "revealed"

    fragment = client.get(more["href"], headers=HX)

    assert fragment.status_code == 200
    html = fragment.text
    assert "<html" not in html and "<header" not in html and "<h1" not in html
    assert html.lstrip().startswith("<figure")
    tiles = tile_ids(html)
    assert len(tiles) == 3 and not set(tiles) & set(tile_ids(first))
    (next_more,) = elements(html, "a", class_="load-more")
    assert next_more["href"] != more["href"]
    last = client.get(next_more["href"], headers=HX).text
    assert len(tile_ids(last)) == 1 and elements(last, "a", class_="load-more") == []


def test_the_grid_tells_the_lightbox_how_many_photos_it_will_hold(client, small_pages, photos_of):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC)
    ceremony = PhotoSet.objects.create(gallery=gallery, name="Ceremony")
    photos_of(gallery, sources=REAL_PHOTOS[:4], photo_set=ceremony)
    photos_of(gallery, sources=REAL_PHOTOS[4:7])

    def grid(url: str) -> tuple[int, str]:
        """The tiles drawn and the count the lightbox is given."""
        html = client.get(url).text
        (photos,) = elements(html, "div", id="photos")
        return len(tile_ids(html)), photos["data-count"]

    assert grid(gallery_url(gallery)) == (3, "7")  # the lightbox walks all three pages
    assert grid(f"{gallery_url(gallery)}?set={ceremony.public_id}") == (3, "4")
    (more,) = elements(client.get(gallery_url(gallery)).text, "a", class_="load-more")
    assert grid(more["href"]) == (3, "4")  # the page "More photos" opens without JavaScript


# --- what pages never give away (R06, R09) -----------------------------------------------------


def _client_pages(client, gallery, photos) -> dict[str, str]:
    """Every page a client of this gallery can open, as they see it."""
    pages = {
        "home": "/",
        "portfolio": f"/photographers/{gallery.owner.public_id}/",
        "code entry": "/access/",
        "gallery": gallery_url(gallery),
        "gallery as a grid": f"{gallery_url(gallery)}?layout=grid",
        "favourites": gallery_url(gallery, "favourites"),
        "qr": gallery_url(gallery, "qr"),
        "qr svg": gallery_url(gallery, "qr_svg"),
        "email": email_url(gallery),
        "unlock": gallery_url(gallery, "unlock"),
        "download pin": gallery_url(gallery, "download_pin"),
    }
    for photo_set in gallery.sets.all():
        pages[f"set {photo_set.name}"] = f"{gallery_url(gallery)}?set={photo_set.public_id}"
    for n, photo in enumerate(photos):
        pages[f"photo {n}"] = photo_url(photo)
        pages[f"photo info {n}"] = photo_url(photo, "photo_info")
    first = client.get(gallery_url(gallery)).text
    (more,) = elements(first, "a", class_="load-more")
    pages["second page"] = more["href"]
    seen = {}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        seen[name] = response.text
    seen["more (htmx)"] = client.get(pages["second page"], headers=HX).text
    return seen


def test_no_page_shows_an_original_and_every_image_on_them_is_a_capped_preview(
    client, media, small_pages, big_photo, photos_of
):
    gallery = watermarked(title="Beach day", downloads_enabled=True, originals_downloadable=True)
    beach = PhotoSet.objects.create(gallery=gallery, name="Beach")
    photos = photos_of(gallery, sources=[big_photo], photo_set=beach)
    photos += photos_of(gallery, sources=REAL_PHOTOS[:4])
    give_email(client, gallery, "ann@example.com")
    for photo in photos[:3]:
        favourite(client, photo)
    client.post(photo_url(photos[0], "comment_add"), {"body": "Lovely light"})
    client.get(photo_url(photos[0], "download"))  # makes the clean web-size file
    gallery.refresh_from_db()

    pages = _client_pages(client, gallery, photos)

    secrets = [str(media / "private"), "originals/", "/private/", "downloads/"]
    secrets += [photo.original_key for photo in photos]
    for name, html in pages.items():
        assert [secret for secret in secrets if secret in html] == [], name
    urls = {url for html in pages.values() for url in media_urls(html)}
    keys = {public_key(url) for url in urls}
    for photo in photos:  # the check below covers every photo's preview
        assert photo.renditions["preview"]["webp"] in keys
        assert photo.renditions["grid"]["webp"] in keys
    edges = []
    for url in urls:
        image = stored_image(url)
        edges.append(max(image.width, image.height))
        served = client.get(url)
        assert served.status_code == 200, url
        assert decode(content(served)).width == image.width
    assert max(edges) == PREVIEW_CAP  # the big photo was capped, not merely small
    assert all(edge <= PREVIEW_CAP for edge in edges)


def test_an_original_has_no_media_url_at_all(client, photos_of):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC)
    (photo,) = photos_of(gallery, 1)

    for path in (
        f"/media/public/{photo.original_key}",
        f"/media/private/{photo.original_key}",
        f"/media/public/../private/{photo.original_key}",
        f"/media/public/%2e%2e/private/{photo.original_key}",
        f"/media/{photo.original_key}",
    ):
        assert client.get(path).status_code == 404, path


RENDITION_MUTATIONS = [
    "w=5000",
    "h=5000",
    "width=3200&height=2400",
    "size=original",
    "size=full",
    "original=1",
    "wm=0",
    "watermark=false",
    "q=100",
    "fmt=png",
    "format=tiff",
    "download=1",
]


def test_no_query_parameter_gets_larger_or_clean_pixels_from_a_rendition_url(
    client, big_photo, photos_of
):
    gallery = watermarked(downloads_enabled=True)
    (photo,) = photos_of(gallery, sources=[big_photo])
    clean = content(client.get(photo_url(photo, "download")))
    assert decode(clean).width == PREVIEW_CAP

    for name, entry in photo.renditions.items():
        for fmt in ("webp", "jpeg"):
            url = storages["public"].url(entry[fmt])
            plain = content(client.get(url))
            assert plain != clean
            for query in RENDITION_MUTATIONS:
                response = client.get(f"{url}?{query}")
                assert response.status_code in (200, 404), (name, fmt, query)
                if response.status_code == 200:
                    data = content(response)
                    assert data == plain, (name, fmt, query)
                    image = decode(data)
                    assert max(image.width, image.height) <= PREVIEW_CAP


# --- downloads ---------------------------------------------------------------------------------


def test_downloads_are_off_unless_the_photographer_turns_them_on(client, photos_of):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC)
    (photo,) = photos_of(gallery, 1)
    give_email(client, gallery)

    assert client.get(photo_url(photo, "download")).status_code == 404
    assert client.get(f"{photo_url(photo, 'download')}?size=original").status_code == 404
    page = client.get(photo_url(photo)).text
    assert photo_url(photo, "download") not in page
    assert "data-download-url" not in client.get(gallery_url(gallery)).text


def test_a_download_is_a_clean_web_size_jpeg_without_location(client, big_photo, photos_of):
    gallery = watermarked(downloads_enabled=True)
    (photo,) = photos_of(gallery, sources=[big_photo], name="Plage d'été.jpg")
    assert has_gps(decode(big_photo.read_bytes()))
    page = client.get(photo_url(photo)).text
    (link,) = elements(page, "a", href=photo_url(photo, "download"))
    assert "download" in link
    assert f"{photo_url(photo, 'download')}?size=original" not in page

    response = client.get(photo_url(photo, "download"))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Plage_d_t_-web.jpg\"; filename*=UTF-8''Plage_d%C3%A9t%C3%A9-web.jpg"
    )
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "no-referrer"
    data = content(response)
    assert data[:3] == b"\xff\xd8\xff"
    image = decode(data)
    assert (image.width, image.height) == (1600, 1200)
    assert not has_gps(image) and "exif-data" not in image.get_fields()
    # Not the watermarked preview the gallery shows.
    with storages["public"].open(photo.renditions["preview"]["jpeg"], "rb") as fh:
        assert data != fh.read()
    # Made once, then kept: the same file every time.
    assert content(client.get(photo_url(photo, "download"))) == data


def test_a_plain_file_name_is_sent_as_a_quoted_filename(client, photos_of):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC, downloads_enabled=True)
    (photo,) = photos_of(gallery, sources=[REAL_PHOTOS[1]])

    response = client.get(photo_url(photo, "download"))

    name = f"{REAL_PHOTOS[1].stem}-web.jpg"
    expected = f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"
    assert response["Content-Disposition"] == expected
    content(response)


def test_the_original_downloads_only_when_the_photographer_allows_it(client, photos_of):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC, downloads_enabled=True)
    (photo,) = photos_of(gallery, sources=[REAL_PHOTOS[2]])
    original_url = f"{photo_url(photo, 'download')}?size=original"

    assert client.get(original_url).status_code == 404

    services.gallery_update(gallery=gallery, originals_downloadable=True)
    assert original_url in client.get(photo_url(photo)).text
    response = client.get(original_url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    name = REAL_PHOTOS[2].name
    expected = f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"
    assert response["Content-Disposition"] == expected
    assert response["Cache-Control"] == "private, no-store"
    assert content(response) == REAL_PHOTOS[2].read_bytes()


def test_a_download_pin_is_asked_once_per_visitor_and_again_when_it_changes(client, photos_of):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC, downloads_enabled=True)
    (photo,) = photos_of(gallery, 1)
    download_url = photo_url(photo, "download")
    pin_url = gallery_url(gallery, "download_pin")
    access.gallery_set_download_pin(gallery=gallery, pin="2468")

    asked = client.get(download_url)
    assert asked.status_code == 302 and asked["Location"] == f"{pin_url}?next={download_url}"
    form = client.get(asked["Location"]).text
    assert elements(form, "input", name="pin")
    assert elements(form, "input", name="next", value=download_url)

    wrong = client.post(pin_url, {"pin": "1111", "next": download_url})
    assert wrong.status_code == 403 and "That PIN is not right." in wrong.text
    assert client.get(download_url).status_code == 302

    right = client.post(pin_url, {"pin": "2468", "next": download_url})
    assert right.status_code == 302 and right["Location"] == download_url
    response = client.get(download_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert decode(content(response)).width > 0

    assert Client().get(download_url).status_code == 302  # another visitor is asked too
    access.gallery_set_download_pin(gallery=gallery, pin="1357")
    assert client.get(download_url).status_code == 302


# --- sharing and listings -----------------------------------------------------------------------


def test_the_qr_code_opens_the_gallery_and_has_a_printable_page(client, photos_of):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC, title="Harbour at dawn")
    photos_of(gallery, 1)
    share_url = settings.SITE_URL + gallery_url(gallery)

    svg = client.get(gallery_url(gallery, "qr_svg"))

    assert svg.status_code == 200
    assert svg["Content-Type"] == "image/svg+xml"
    root = ElementTree.fromstring(svg.content)  # noqa: S314 (our own server's answer)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"  # without it an <img> shows nothing
    paths = [el for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "path"]
    assert paths and all(path.get("d") for path in paths)
    # The modules drawn are those of the gallery's absolute URL.
    drawn = segno.make(share_url, error="m").svg_inline(scale=8, border=2)
    expected = ElementTree.fromstring(drawn)  # noqa: S314 (made here)
    expected_paths = [el for el in expected.iter() if el.tag.rsplit("}", 1)[-1] == "path"]
    assert [p.get("d") for p in paths] == [p.get("d") for p in expected_paths]

    page = client.get(gallery_url(gallery, "qr"))
    assert page.status_code == 200
    (image,) = elements(page.text, "img", class_="qr")
    assert image["src"] == gallery_url(gallery, "qr_svg")
    assert f"<code>{share_url}</code>" in page.text
    assert "access code" not in page.text


def test_the_qr_code_is_a_standalone_svg_document_whatever_the_title(client, photos_of):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC, title="Café & <Friends> — 2026")
    photos_of(gallery, 1)

    svg = client.get(gallery_url(gallery, "qr_svg"))

    assert svg["Content-Type"] == "image/svg+xml"
    assert svg.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = ElementTree.fromstring(svg.content)  # noqa: S314 (our own server's answer)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.findtext("{http://www.w3.org/2000/svg}title") == gallery.title
    assert int(root.get("width")) > 0 and root.get("width") == root.get("height")


def test_a_private_gallerys_qr_page_reminds_the_visitor_of_the_code(client, photos_of):
    gallery, client_code, _ = private_gallery()
    photos_of(gallery, 1)
    unlock(client, gallery, client_code)

    page = client.get(gallery_url(gallery, "qr"))

    assert page.status_code == 200
    assert "You will also need the access code your photographer gave you." in page.text
    assert client.get(gallery_url(gallery, "qr_svg")).status_code == 200


@pytest.fixture
def listings(photos_of):
    """Photographers with galleries of every kind; only Ann's public one may be listed."""
    ann = PhotographerFactory(display_name="Ann Lee")
    listed = GalleryFactory(owner=ann, visibility=Visibility.PUBLIC, title="Harbour at dawn")
    hidden = [
        GalleryFactory(owner=ann, visibility=Visibility.PRIVATE, title="Ann private shoot"),
        GalleryFactory(owner=ann, visibility=Visibility.UNLISTED, title="Ann unlisted shoot"),
        GalleryFactory(owner=ann, visibility=Visibility.PUBLIC, title="Ann empty gallery"),
        GalleryFactory(
            owner=PhotographerFactory(display_name="Bo Private"),
            visibility=Visibility.PRIVATE,
            title="Bo secret wedding",
        ),
        GalleryFactory(
            owner=PhotographerFactory(display_name="Cy Unlisted"),
            visibility=Visibility.UNLISTED,
            title="Cy family picnic",
        ),
        GalleryFactory(
            owner=PhotographerFactory(display_name="Di Expired"),
            visibility=Visibility.PUBLIC,
            title="Di old fair",
            expires_at=timezone.now() - timedelta(days=1),
        ),
    ]
    photos_of(listed, sources=REAL_PHOTOS[:2])
    for n, gallery in enumerate(hidden):
        if gallery.title != "Ann empty gallery":
            photos_of(gallery, sources=[REAL_PHOTOS[2 + n]])
    return ann, listed, hidden


def test_the_home_page_lists_public_galleries_and_their_photographers_only(client, listings):
    ann, listed, hidden = listings

    page = client.get("/")

    assert page.status_code == 200
    html = page.text
    assert "Harbour at dawn" in html and "2 photos" in html
    assert elements(html, "a", href=gallery_url(listed))
    assert len(elements(html, "a", href=f"/photographers/{ann.public_id}/")) == 1
    assert "Ann Lee" in html
    for gallery in hidden:
        assert gallery.title not in html
        assert gallery_url(gallery) not in html
    for name in ("Bo Private", "Cy Unlisted", "Di Expired"):
        assert name not in html
    listed.refresh_from_db()
    assert listed.cover_photo.renditions["grid"]["webp"] in html


def test_a_portfolio_lists_only_that_photographers_public_galleries(client, listings, photos_of):
    ann, listed, hidden = listings
    someone = GalleryFactory(visibility=Visibility.PUBLIC, title="Someone else's show")
    photos_of(someone, sources=[REAL_PHOTOS[10]])

    page = client.get(f"/photographers/{ann.public_id}/")

    assert page.status_code == 200
    assert "<h1>Ann Lee</h1>" in page.text
    assert elements(page.text, "a", href=gallery_url(listed))
    assert "Harbour at dawn" in page.text
    for gallery in [*hidden, someone]:
        assert gallery.title not in page.text
        assert gallery_url(gallery) not in page.text


# --- what is not there ----------------------------------------------------------------------------


def test_unknown_or_foreign_ids_are_404_never_an_error(client, photos_of):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC, downloads_enabled=True)
    other = GalleryFactory(visibility=Visibility.PUBLIC, downloads_enabled=True)
    (photo,) = photos_of(gallery, 1)
    (foreign,) = photos_of(other, sources=[REAL_PHOTOS[3]])
    give_email(client, gallery)
    nobody = uuid.uuid4()
    g = gallery_url(gallery)
    a_client = UserFactory()

    for url in (
        f"/g/{nobody}/",
        f"/g/{nobody}/p/{photo.public_id}/",
        f"/g/{nobody}/unlock/",
        f"/g/{nobody}/email/",
        f"/g/{nobody}/qr/",
        f"/g/{nobody}/qr.svg",
        f"/g/{nobody}/favourites/",
        f"{g}p/{nobody}/",
        f"{g}p/{nobody}/info/",
        f"{g}p/{nobody}/download/",
        f"{g}p/{foreign.public_id}/",  # a photo of another gallery
        f"{g}p/{foreign.public_id}/download/",
        f"{g}p/{foreign.public_id}/info/",
        "/g/not-a-uuid/",
        f"{g}p/12/",
        f"/photographers/{nobody}/",
        f"/photographers/{a_client.public_id}/",  # a client has no portfolio
        "/photographers/1/",
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        f"{g}p/{nobody}/favourite/",
        f"{g}p/{foreign.public_id}/favourite/",
        f"{g}p/{nobody}/comments/",
        f"{g}p/{foreign.public_id}/comments/",
        f"/g/{nobody}/favourites/submit/",
    ):
        assert client.post(url, {"on": "1", "body": "Hi"}).status_code == 404, url
    assert not Favourite.objects.exists() and not PhotoComment.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        "after=!!!",
        "after=WzEsMl0",  # a cursor of ours in shape, for another sort field
        "after=" + "W" * 5000,
        "after=bnVsbA",  # "null"
        "set=!!!",
        f"set={uuid.UUID(int=1)}",
        "layout=%3Cscript%3E",
        "list=!!!",
    ],
)
def test_garbage_in_the_query_shows_the_first_page(client, small_pages, photos_of, query):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC)
    photos_of(gallery, 4)
    give_email(client, gallery)
    first_page = tile_ids(client.get(gallery_url(gallery)).text)

    response = client.get(f"{gallery_url(gallery)}?{query}")

    assert response.status_code == 200
    assert tile_ids(response.text) == first_page
    assert "<script>" not in response.text.split("</head>")[1]
    # The favourites page and a heart still work after it.
    assert client.get(f"{gallery_url(gallery, 'favourites')}?{query}").status_code == 200
    photo = client_selectors.ready_photos(gallery).first()
    if query == "list=!!!":  # hearts were going to a list that cannot exist
        refused = favourite(client, photo)
        assert refused.status_code == 302
        assert messages_on(client.get(refused["Location"]).text) == ["That list no longer exists."]
    assert favourite(client, photo).status_code == 302
    assert pressed(client.get(gallery_url(gallery)).text, photo) == "true"
