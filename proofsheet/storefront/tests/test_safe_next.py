"""Every `next` a gallery's forms carry goes back to a page of this site: a value that is not a
path ("x", which Django's `redirect()` took for a URL name: a 500), another site
("//evil.example", "https://evil.example") or a script URL lands on the gallery instead."""

import pytest

from proofsheet.galleries import access
from proofsheet.galleries.models import Favourite, Visibility
from proofsheet.galleries.tests.factories import GalleryFactory, make_photo
from proofsheet.storefront.tests.gallery_support import (
    HX,
    elements,
    email_url,
    gallery_url,
    give_email,
    photo_url,
    private_gallery,
    unlock_url,
)

pytestmark = pytest.mark.django_db

OFF_SITE = ["x", "photo", "//evil.example/x", "https://evil.example/x", "javascript:alert(1)"]


def lands_on(response, url: str) -> None:
    assert response.status_code == 302, response.content
    assert response["Location"] == url


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_unlock_form_goes_back_only_to_a_page_of_the_site(client, target):
    gallery, code, _ = private_gallery()

    lands_on(client.post(unlock_url(gallery), {"code": code, "next": target}), gallery_url(gallery))
    # Nor does the page put it in its form.
    page = client.get(unlock_url(gallery), {"next": target})
    (kept,) = elements(page.text, "input", name="next")
    assert page.status_code == 200 and kept["value"] == gallery_url(gallery)


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_email_form_goes_back_only_to_a_page_of_the_site(client, target):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC, require_email=True)
    photo = make_photo(gallery)

    response = client.post(
        email_url(gallery),
        {"email": "ann@example.com", "next": target, "favourite": str(photo.public_id)},
    )

    lands_on(response, gallery_url(gallery))
    assert Favourite.objects.filter(photo=photo).exists()  # the heart was still saved


@pytest.mark.parametrize("target", OFF_SITE)
def test_a_heart_goes_back_only_to_a_page_of_the_site(client, target):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC)
    photo = make_photo(gallery)
    give_email(client, gallery)

    response = client.post(photo_url(photo, "favourite"), {"on": "1", "next": target})

    lands_on(response, gallery_url(gallery))
    assert Favourite.objects.filter(photo=photo).exists()


@pytest.mark.parametrize("target", OFF_SITE)
def test_a_heart_that_needs_an_email_first_keeps_next_on_the_site(client, target):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC)
    photo = make_photo(gallery)

    asked = client.post(photo_url(photo, "favourite"), {"on": "1", "next": target})
    by_htmx = client.post(photo_url(photo, "favourite"), {"on": "1", "next": target}, headers=HX)

    expected_next = f"{gallery_url(gallery)}%23photo-{photo.public_id}"
    expected = f"{email_url(gallery)}?next={expected_next}&favourite={photo.public_id}"
    lands_on(asked, expected)
    assert by_htmx.status_code == 204 and by_htmx["HX-Redirect"] == expected


@pytest.mark.parametrize("target", OFF_SITE)
def test_a_refused_heart_goes_back_only_to_a_page_of_the_site(client, target):
    """A list gone since it was chosen: the message is shown on the gallery, not elsewhere."""
    gallery = GalleryFactory(visibility=Visibility.PUBLIC)
    photo = make_photo(gallery)
    give_email(client, gallery)
    client.get(gallery_url(gallery), {"list": "00000000-0000-0000-0000-000000000000"})

    response = client.post(photo_url(photo, "favourite"), {"on": "1", "next": target})

    lands_on(response, gallery_url(gallery))


@pytest.mark.parametrize("target", OFF_SITE)
def test_a_comment_goes_back_only_to_a_page_of_the_site_when_refused(client, target):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC)
    photo = make_photo(gallery)
    give_email(client, gallery)

    response = client.post(photo_url(photo, "comment_add"), {"body": "  ", "next": target})

    lands_on(response, gallery_url(gallery))


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_download_pin_form_goes_back_only_to_a_page_of_the_site(client, target):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC, downloads_enabled=True)
    access.gallery_set_download_pin(gallery=gallery, pin="4821")

    response = client.post(gallery_url(gallery, "download_pin"), {"pin": "4821", "next": target})

    lands_on(response, gallery_url(gallery))


def test_a_path_of_the_site_is_followed(client):
    gallery, code, _ = private_gallery()
    photo = make_photo(gallery)
    back = f"{photo_url(photo)}?layout=grid"

    lands_on(client.post(unlock_url(gallery), {"code": code, "next": back}), back)
    give_email(client, gallery)
    lands_on(client.post(photo_url(photo, "favourite"), {"on": "1", "next": back}), back)
