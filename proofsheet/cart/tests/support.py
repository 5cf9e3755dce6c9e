"""A small shop made straight from the models (the catalogue's services are written elsewhere)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from proofsheet.cart.models import Discount
from proofsheet.catalog.models import (
    GalleryPricing,
    PriceSheet,
    Product,
    ProductOption,
    StoreSettings,
)
from proofsheet.fulfillment.models import ShippingMethod, ShippingRate
from proofsheet.galleries.access import CLIENT, Access
from proofsheet.galleries.models import Gallery, Photo, PhotoStatus, Visibility
from proofsheet.galleries.tests.factories import GalleryFactory

ADDRESS = {"name": "Ann Buyer", "line1": "1 Rue Haute", "city": "Lyon", "country": "FR"}


@dataclass
class Shop:
    seller: object
    gallery: Gallery
    sheet: PriceSheet
    photos: list[Photo]
    print: Product
    digital: Product
    lustre: ProductOption
    frame: ProductOption
    shipping: ShippingMethod
    access: Access
    extra: dict = field(default_factory=dict)


def make_photo(gallery: Gallery, **fields) -> Photo:
    fields.setdefault("status", PhotoStatus.READY)
    return Photo.objects.create(
        gallery=gallery,
        owner=gallery.owner,
        original_key=f"originals/test/{uuid.uuid4().hex}.jpg",
        original_name="IMG.jpg",
        sha256=uuid.uuid4().hex * 2,
        size=1234,
        format="jpeg",
        width=3000,
        height=2000,
        **fields,
    )


def make_shop(
    *, currency: str = "EUR", include_tax: bool = True, seller=None, photos: int = 3
) -> Shop:
    gallery = GalleryFactory(visibility=Visibility.PUBLIC, **({"owner": seller} if seller else {}))
    seller = gallery.owner
    sheet = PriceSheet.objects.create(owner=seller, name=f"Sheet {currency}", currency=currency)
    GalleryPricing.objects.create(gallery=gallery, sheet=sheet)
    StoreSettings.objects.update_or_create(
        owner=seller, defaults={"prices_include_tax": include_tax}
    )
    # Both groups optional, so a print may be bought with any choice or none; tests of
    # required groups make one required.
    print_ = Product.objects.create(
        sheet=sheet, kind="print", name="8x10 print", finish="paper", price=Decimal("20.00"),
        weight_grams=100, optional_groups=["Paper", "Frame"],
    )  # fmt: skip
    digital = Product.objects.create(
        sheet=sheet, kind="digital", name="Full-resolution download", resolution="full",
        licence="personal", price=Decimal("15.00"),
    )  # fmt: skip
    lustre = ProductOption.objects.create(
        product=print_, group="Paper", name="Lustre", price_delta=Decimal("2.50")
    )
    frame = ProductOption.objects.create(
        product=print_, group="Frame", name="Black oak", price_delta=Decimal("30.00")
    )
    method = ShippingMethod.objects.create(
        owner=seller, name="Standard", kind="standard", currency=currency
    )
    ShippingRate.objects.create(
        method=method, countries=["FR", "DE"], first_item=Decimal("5.00"),
        additional_item=Decimal("1.00"),
    )  # fmt: skip
    ShippingRate.objects.create(
        method=method, countries=[], first_item=Decimal("12.00"), additional_item=Decimal("3.00")
    )
    return Shop(
        seller=seller,
        gallery=gallery,
        sheet=sheet,
        photos=[make_photo(gallery) for _ in range(photos)],
        print=print_,
        digital=digital,
        lustre=lustre,
        frame=frame,
        shipping=method,
        access=Access(gallery=gallery, role=CLIENT, email="ann@example.test"),
    )


def make_discount(shop: Shop, code: str = "SAVE10", **fields) -> Discount:
    fields.setdefault("kind", "percent")
    fields.setdefault("value", Decimal("10"))
    return Discount.objects.create(owner=shop.seller, code=code, **fields)
