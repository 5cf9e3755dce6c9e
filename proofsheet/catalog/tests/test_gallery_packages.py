"""What a client sees of a gallery's packages: whole-gallery offers and bundle deals."""

from decimal import Decimal

import pytest

from proofsheet.catalog.models import GalleryPricing, Package, PackageItem
from proofsheet.catalog.selectors import packages_for_gallery
from proofsheet.catalog.tests.factories import (
    DownloadFactory,
    PriceSheetFactory,
    PrintFactory,
)
from proofsheet.galleries.models import PhotoStatus
from proofsheet.galleries.tests.factories import GalleryFactory, make_photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def gallery():
    gallery = GalleryFactory()
    sheet = PriceSheetFactory(owner=gallery.owner, currency="JPY")
    GalleryPricing.objects.create(gallery=gallery, sheet=sheet)
    for status in (PhotoStatus.READY, PhotoStatus.READY, PhotoStatus.PROCESSING):
        make_photo(gallery, status=status)
    return gallery


def sheet_of(gallery):
    return gallery.pricing.sheet


def whole(sheet, product=None, **fields):
    product = product or DownloadFactory(sheet=sheet, resolution="full", licence="commercial")
    fields.setdefault("name", "Everything")
    fields.setdefault("price", Decimal("30000.4"))
    return Package.objects.create(sheet=sheet, whole_gallery=product, **fields)


def deal(sheet, *items, **fields):
    fields.setdefault("name", "3 prints")
    fields.setdefault("price", Decimal("5000"))
    package = Package.objects.create(sheet=sheet, **fields)
    for product, quantity in items:
        PackageItem.objects.create(package=package, product=product, quantity=quantity)
    return package


def test_whole_gallery_offers_count_ready_photos_and_price_in_the_sheet_currency(gallery):
    sheet = sheet_of(gallery)
    package = whole(sheet)
    prints = PrintFactory(sheet=sheet, name="5x7")
    bundle = deal(sheet, (prints, 3))

    found = packages_for_gallery(gallery)

    assert found.currency == "JPY"
    [offer] = found.whole_gallery
    assert (offer.package, offer.photo_count) == (package, 2)  # the one processing is not sold
    assert (offer.price, offer.currency) == (Decimal("30000"), "JPY")
    assert (offer.product.resolution, offer.product.licence) == ("full", "commercial")
    [shown] = found.deals
    assert shown.package == bundle and shown.price == Decimal("5000")
    assert [(i.product.name, i.quantity) for i in shown.items] == [("5x7", 3)]
    assert found.whole_gallery_get(str(package.public_id)) == offer
    assert found.whole_gallery_get(str(bundle.public_id)) is None  # a deal is not bought alone
    assert found.whole_gallery_get("not-an-id") is None


def test_inactive_packages_and_inactive_products_are_hidden(gallery):
    sheet = sheet_of(gallery)
    whole(sheet, active=False)
    whole(sheet, product=DownloadFactory(sheet=sheet, active=False), name="Old download")
    deal(sheet, (PrintFactory(sheet=sheet), 2), active=False)
    deal(sheet, (PrintFactory(sheet=sheet, active=False), 2), name="Retired print deal")
    deal(sheet, name="No items")

    found = packages_for_gallery(gallery)

    assert not found and found.whole_gallery == [] and found.deals == []


def test_another_sheets_packages_are_hidden(gallery):
    other = PriceSheetFactory(owner=gallery.owner)  # the photographer's other sheet
    package = whole(other)
    deal(other, (PrintFactory(sheet=other), 2))

    found = packages_for_gallery(gallery)

    assert not found and found.whole_gallery_get(package.public_id) is None


def test_a_gallery_without_ready_photos_or_without_a_sheet_offers_no_whole_gallery(gallery):
    whole(sheet_of(gallery))
    gallery.photos.update(status=PhotoStatus.PROCESSING)

    assert packages_for_gallery(gallery).whole_gallery == []
    assert not packages_for_gallery(GalleryFactory())
