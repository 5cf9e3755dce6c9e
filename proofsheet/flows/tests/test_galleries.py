"""Making and changing a gallery (flows.galleries): what every interface now gets the same way —
the owner's price sheet, and a private gallery's client code, made once and handed back once."""

import pytest

from proofsheet.accounts.tests.factories import UserFactory
from proofsheet.catalog.selectors import sheet_for_gallery
from proofsheet.catalog.tests.factories import PriceSheetFactory
from proofsheet.core.errors import DomainError, Invalid, NotFound
from proofsheet.flows import galleries as flow
from proofsheet.galleries.access import gallery_code_exchange
from proofsheet.galleries.models import Gallery, Visibility
from proofsheet.galleries.tests.factories import GalleryFactory, PhotographerFactory, make_photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return PhotographerFactory()


def opens(code: str, gallery: Gallery) -> bool:
    """Whether a client typing `code` in the home page's box lands in `gallery` with full rights."""
    grant = gallery_code_exchange(gallery=None, code=code, ip="192.0.2.1")
    return grant["gallery"] == str(gallery.public_id) and grant["role"] == "client"


# --- create -----------------------------------------------------------------------------------


def test_a_private_gallery_is_made_with_a_client_code_that_opens_it(owner):
    saved = flow.gallery_create(owner=owner, title=" Lee wedding ", visibility="private")

    assert saved.created
    assert saved.gallery.title == "Lee wedding" and saved.gallery.owner == owner
    assert saved.client_code and opens(saved.client_code, saved.gallery)
    # Only the keyed hash is kept: the code itself is in the answer and nowhere else.
    stored = Gallery.objects.get(pk=saved.gallery.pk)
    assert stored.client_code_hash and saved.client_code not in str(stored.__dict__)


@pytest.mark.parametrize("visibility", ["public", "unlisted"])
def test_public_and_unlisted_galleries_get_no_code(owner, visibility):
    saved = flow.gallery_create(owner=owner, title="Open day", visibility=visibility)

    assert saved.client_code is None
    assert saved.gallery.client_code_hash == ""


def test_a_new_gallery_sells_from_the_owners_default_sheet_unless_told_otherwise(owner):
    PriceSheetFactory(owner=owner, name="Other")
    default = PriceSheetFactory(owner=owner, name="Weddings", is_default=True)
    chosen = PriceSheetFactory(owner=owner, name="Portraits")

    by_default = flow.gallery_create(owner=owner, title="A").gallery
    told = flow.gallery_create(owner=owner, title="B", price_sheet=chosen).gallery
    nothing = flow.gallery_create(owner=owner, title="C", price_sheet=None).gallery

    assert sheet_for_gallery(by_default) == default
    assert sheet_for_gallery(told) == chosen
    assert sheet_for_gallery(nothing) is None


def test_an_owner_without_a_default_sheet_gets_a_gallery_that_sells_nothing(owner):
    PriceSheetFactory(owner=owner)  # a sheet, but not the default one

    gallery = flow.gallery_create(owner=owner, title="A").gallery

    assert sheet_for_gallery(gallery) is None


def test_another_photographers_sheet_is_refused_and_nothing_is_made(owner):
    foreign = PriceSheetFactory()

    with pytest.raises(Invalid) as refused:
        flow.gallery_create(owner=owner, title="A", visibility="private", price_sheet=foreign)

    assert "sheet" in refused.value.fields
    assert not Gallery.objects.exists()


def test_a_gallery_without_a_title_is_refused_beside_its_field(owner):
    with pytest.raises(Invalid) as refused:
        flow.gallery_create(owner=owner, title="   ")

    assert refused.value.fields == {"title": ["A gallery needs a title."]}
    assert not Gallery.objects.exists()


def test_a_model_rule_is_refused_as_invalid_not_as_djangos_error(owner):
    with pytest.raises(Invalid) as refused:
        flow.gallery_create(owner=owner, title="A", visibility="secret")

    assert "visibility" in refused.value.fields
    assert not Gallery.objects.exists()


def test_clients_cannot_make_galleries():
    with pytest.raises(DomainError) as refused:
        flow.gallery_create(owner=UserFactory(), title="Mine")

    assert refused.value.code == "seller_only"
    assert not Gallery.objects.exists()


# --- get or create (the import command) -------------------------------------------------------


def test_an_existing_gallery_is_found_by_its_title_and_left_as_it_is(owner):
    existing = GalleryFactory(owner=owner, title="Lee wedding", visibility="private")
    PriceSheetFactory(owner=owner, is_default=True)

    saved = flow.gallery_get_or_create(owner=owner, title=" Lee wedding", visibility="public")

    assert saved.gallery == existing and not saved.created
    assert saved.client_code is None
    existing.refresh_from_db()
    assert existing.visibility == "private" and existing.client_code_hash == ""
    assert sheet_for_gallery(existing) is None


def test_a_missing_gallery_is_made_as_every_interface_makes_one(owner):
    GalleryFactory(title="Lee wedding")  # another photographer's: not a match
    default = PriceSheetFactory(owner=owner, is_default=True)

    saved = flow.gallery_get_or_create(owner=owner, title="Lee wedding", visibility="private")

    assert saved.created and saved.gallery.owner == owner
    assert opens(saved.client_code, saved.gallery)
    assert sheet_for_gallery(saved.gallery) == default


# --- update -----------------------------------------------------------------------------------


def test_a_gallery_made_private_gets_a_client_code_once(owner):
    gallery = flow.gallery_create(owner=owner, title="Open day", visibility="public").gallery

    made_private = flow.gallery_update(gallery=gallery, visibility="private")
    again = flow.gallery_update(gallery=gallery, title="Open day 2")

    assert made_private.client_code and opens(made_private.client_code, gallery)
    assert again.client_code is None
    assert opens(made_private.client_code, gallery)  # the later change kept the code working


def test_a_private_gallery_with_a_code_keeps_it(owner):
    saved = flow.gallery_create(owner=owner, title="Lee wedding", visibility="private")

    changed = flow.gallery_update(gallery=saved.gallery, location="Bath")

    assert changed.client_code is None
    assert changed.gallery.location == "Bath"
    assert opens(saved.client_code, saved.gallery)


def test_the_price_sheet_changes_only_when_given(owner):
    first = PriceSheetFactory(owner=owner, is_default=True)
    second = PriceSheetFactory(owner=owner)
    gallery = flow.gallery_create(owner=owner, title="A").gallery

    flow.gallery_update(gallery=gallery, title="B")
    assert sheet_for_gallery(gallery) == first
    flow.gallery_update(gallery=gallery, price_sheet=second)
    assert sheet_for_gallery(gallery) == second
    flow.gallery_update(gallery=gallery, price_sheet=None)
    assert sheet_for_gallery(gallery) is None


def test_the_cover_is_one_of_the_gallerys_own_photos(owner):
    gallery = GalleryFactory(owner=owner, title="Before")
    photo = make_photo(gallery)
    elsewhere = make_photo(GalleryFactory(owner=owner))

    flow.gallery_update(gallery=gallery, cover_photo_id=str(photo.public_id))
    assert Gallery.objects.get(pk=gallery.pk).cover_photo == photo

    with pytest.raises(NotFound):
        flow.gallery_update(gallery=gallery, title="After", cover_photo_id=str(elsewhere.public_id))
    stored = Gallery.objects.get(pk=gallery.pk)
    assert stored.cover_photo == photo and stored.title == "Before"  # all or nothing


def test_a_refused_change_saves_nothing(owner):
    gallery = flow.gallery_create(owner=owner, title="Open day", visibility="public").gallery

    with pytest.raises(Invalid) as refused:
        flow.gallery_update(gallery=gallery, visibility="private", selection_min=5, selection_max=2)

    assert "selection_max" in refused.value.fields
    stored = Gallery.objects.get(pk=gallery.pk)
    assert stored.visibility == Visibility.PUBLIC and stored.client_code_hash == ""
