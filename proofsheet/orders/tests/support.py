"""Orders for tests, placed through orders.services.order_create as the checkout does."""

from __future__ import annotations

from decimal import Decimal

import pytest

from proofsheet.fulfillment.tests.support import GPS_PHOTOS, ready_photos
from proofsheet.galleries.tests.factories import GalleryFactory
from proofsheet.orders.services import LineSpec, Totals, order_create


def digital(photo, resolution="full", price="10.00") -> LineSpec:
    return LineSpec(
        product_name=f"{resolution} download",
        kind="digital",
        quantity=1,
        unit_price=Decimal(price),
        total=Decimal(price),
        photo_id=photo.pk,
        resolution=resolution,
        licence="personal",
    )


def whole_gallery(gallery, resolution="web", price="50.00") -> LineSpec:
    return LineSpec(
        product_name="The whole gallery",
        kind="digital",
        quantity=1,
        unit_price=Decimal(price),
        total=Decimal(price),
        gallery_id=gallery.pk,
        resolution=resolution,
    )


def a_print(photo, price="20.00", quantity=1) -> LineSpec:
    return LineSpec(
        product_name="8x10 print",
        kind="print",
        quantity=quantity,
        unit_price=Decimal(price),
        total=Decimal(price) * quantity,
        photo_id=photo.pk,
        options=["Paper: Lustre"],
    )


def place(
    seller, lines, *, email="buyer@example.test", customer=None, shipping="0", provider="offline"
):
    subtotal = sum((line.total for line in lines), Decimal(0))
    total = subtotal + Decimal(shipping)
    return order_create(
        seller=seller,
        email=email,
        currency="EUR",
        lines=lines,
        customer=customer,
        totals=Totals(
            subtotal=subtotal,
            discount_total=Decimal(0),
            shipping_total=Decimal(shipping),
            tax_total=Decimal(0),
            total=total,
        ),
        payment_provider=provider,
    )


@pytest.fixture
def shop(db, media, django_capture_on_commit_callbacks):
    """A photographer's gallery with two ready GPS-tagged camera photos."""
    gallery = GalleryFactory()
    photos = ready_photos(django_capture_on_commit_callbacks, gallery, GPS_PHOTOS[:2])
    return gallery, photos
