"""Packages: bundle deals of a price sheet ("10 downloads for 60", "1 8x10 + 2 5x7"), or the whole
gallery sold as one digital download. The cart applies them (`cart.pricing`).

Products are named by their public ids, as forms and API requests carry them; an id that is not
a product of the package's sheet is not found.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from proofsheet.catalog.models import Package, PackageItem, PriceSheet, Product, ProductKind
from proofsheet.catalog.selectors import product_get_in_sheet
from proofsheet.core.cleaning import text_clean, whole_clean
from proofsheet.core.errors import Invalid, NotFound
from proofsheet.core.money import amount_clean

MAX_PACKAGE_QUANTITY = 1000
_UNSET: Any = object()


def _product(sheet: PriceSheet, product_id) -> Product:
    product = product_get_in_sheet(sheet, product_id)
    if product is None:
        raise NotFound("No such product on this price sheet.")
    return product


def _items(sheet: PriceSheet, items) -> dict[int, tuple[Product, int]]:
    """{product pk: (product, quantity)}, quantities of a product named twice added up."""
    cleaned: dict[int, tuple[Product, int]] = {}
    for product_id, quantity in items:
        product = _product(sheet, product_id)
        quantity = whole_clean(
            quantity, field="items", label="A quantity", low=1, high=MAX_PACKAGE_QUANTITY
        )
        previous = cleaned.get(product.pk, (product, 0))[1]
        cleaned[product.pk] = (product, previous + quantity)
    return cleaned


def _whole_gallery(sheet: PriceSheet, product_id) -> Product | None:
    if product_id in (None, ""):
        return None
    product = _product(sheet, product_id)
    if product.kind != ProductKind.DIGITAL:
        raise Invalid({"whole_gallery": "Choose a digital download of this price sheet."})
    return product


def _set_package(package: Package, *, name, price, items, whole_gallery, active) -> Package:
    sheet = package.sheet
    if name is not None:
        package.name = text_clean(name, field="name", label="The name", max_length=120)
    if price is not None:
        package.price = amount_clean(price, sheet.currency, field="price")
    if active is not None:
        package.active = bool(active)
    if whole_gallery is not _UNSET:
        package.whole_gallery = _whole_gallery(sheet, whole_gallery)
    cleaned = _items(sheet, items) if items is not None else {}
    has_items = bool(cleaned) if items is not None else package.pk and package.items.exists()
    if package.whole_gallery is not None and has_items:
        raise Invalid(
            {"items": "A whole-gallery package holds no other items: make a second package."}
        )
    if package.whole_gallery is None and not has_items:
        raise Invalid(
            {"items": "Put at least one product in the package, or sell the whole gallery."}
        )
    package.save()
    if items is not None:
        package.items.all().delete()
        PackageItem.objects.bulk_create(
            PackageItem(package=package, product=product, quantity=quantity)
            for product, quantity in cleaned.values()
        )
    return package


@transaction.atomic
def package_create(
    *,
    sheet: PriceSheet,
    name: str,
    price,
    items=(),
    whole_gallery=None,
    active: bool = True,
) -> Package:
    """A bundle deal: its `items` ((product id, quantity) pairs) together cost `price`; or, with
    `whole_gallery` (a download's product id), every photo of the gallery as that download."""
    return _set_package(
        Package(sheet=sheet),
        name=name,
        price=price,
        items=list(items or ()),
        whole_gallery=whole_gallery,
        active=active,
    )


@transaction.atomic
def package_update(
    *,
    package: Package,
    name: str | None = None,
    price=None,
    items=None,
    whole_gallery: Any = _UNSET,
    active: bool | None = None,
) -> Package:
    """Change a package; `items`, when given, replace the old ones; `whole_gallery=None` stops it
    selling the whole gallery."""
    return _set_package(
        package, name=name, price=price, items=items, whole_gallery=whole_gallery, active=active
    )


def package_delete(*, package: Package) -> None:
    package.delete()
