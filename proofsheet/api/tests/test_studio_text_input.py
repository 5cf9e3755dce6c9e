"""Text the studio API cannot store is a 422 naming the field, never a 500, and changes nothing:
a lone UTF-16 surrogate ("\\ud800" in JSON decodes to a str no database can encode) and `null`
for a text field that cannot be cleared."""

import json

import pytest

from proofsheet.galleries.models import Gallery, Photo, PhotoSet, WatermarkSettings
from proofsheet.galleries.tests.factories import GalleryFactory, make_photo

pytestmark = pytest.mark.django_db

SURROGATE = "\ud800"


def send(client, method, url, body):
    """`body` as JSON the way an app writes it: a lone surrogate travels as "\\ud800"."""
    data = json.dumps(body)  # ensure_ascii: "\ud800" becomes the six characters \ud800
    return getattr(client, method)(url, data, content_type="application/json")


def assert_refused(response, field):
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "invalid"
    # A field, or an item of a list field ("tags.1").
    assert any(name.split(".")[0] == field for name in body["fields"]), body


@pytest.fixture
def gallery(photographer_client):
    return GalleryFactory(
        owner=photographer_client.user, title="Lee wedding", description="Kept", location="Bath"
    )


def gallery_state(gallery):
    gallery.refresh_from_db()
    return (gallery.title, gallery.description, gallery.location, gallery.slug)


@pytest.mark.parametrize("value", [SURROGATE, f"Lee {SURROGATE} wedding", None])
@pytest.mark.parametrize("field", ["title", "description", "location"])
def test_gallery_text_that_cannot_be_stored_is_refused(photographer_client, gallery, field, value):
    before = gallery_state(gallery)

    response = send(
        photographer_client, "patch", f"/api/v1/galleries/{gallery.public_id}", {field: value}
    )

    assert_refused(response, field)
    assert gallery_state(gallery) == before


@pytest.mark.parametrize("value", [SURROGATE, None])
@pytest.mark.parametrize("field", ["title", "description", "location"])
def test_a_new_gallery_with_such_text_is_refused(photographer_client, field, value):
    body = {"title": "Lee wedding", field: value}

    response = send(photographer_client, "post", "/api/v1/galleries", body)

    assert_refused(response, field)
    assert not Gallery.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        *(
            (name, value)
            for name in ("title", "caption", "alt_text")
            for value in (SURROGATE, None)
        ),
        ("tags", [SURROGATE]),
        ("tags", None),
        ("tags", ["ok", None]),
    ],
)
def test_photo_text_that_cannot_be_stored_is_refused(photographer_client, gallery, field, value):
    photo = make_photo(gallery, title="First dance", caption="c", alt_text="a", tags=["x"])
    before = Photo.objects.values("title", "caption", "alt_text", "tags").get(pk=photo.pk)

    response = send(
        photographer_client, "patch", f"/api/v1/photos/{photo.public_id}", {field: value}
    )

    assert_refused(response, field)
    assert Photo.objects.values("title", "caption", "alt_text", "tags").get(pk=photo.pk) == before


@pytest.mark.parametrize("value", [SURROGATE, None])
def test_set_names_that_cannot_be_stored_are_refused(photographer_client, gallery, value):
    url = f"/api/v1/galleries/{gallery.public_id}/sets"
    existing = PhotoSet.objects.create(gallery=gallery, name="Ceremony", position=1)

    assert_refused(send(photographer_client, "post", url, {"name": value}), "name")
    renamed = send(photographer_client, "patch", f"{url}/{existing.public_id}", {"name": value})
    assert_refused(renamed, "name")

    assert list(PhotoSet.objects.values_list("name", flat=True)) == ["Ceremony"]


@pytest.mark.parametrize("value", [SURROGATE, None])
def test_watermark_text_that_cannot_be_stored_is_refused(photographer_client, gallery, value):
    for url in ("/api/v1/watermark", f"/api/v1/galleries/{gallery.public_id}/watermark"):
        assert_refused(send(photographer_client, "put", url, {"text": value}), "text")
    assert not WatermarkSettings.objects.exists()
