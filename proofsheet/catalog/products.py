"""Products of a price sheet (prints, digital downloads), their options (a paper, a frame…) and
the prices a product has for single photos.

A product is checked whole whenever it changes: a print needs its finish and size, a download its
resolution and licence, and the fields of the other kind are dropped. An option group needs one
choice unless the product lists it in `optional_groups`, whose names this module keeps in step
with the groups the product has options in.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from proofsheet.catalog.models import (
    Finish,
    Licence,
    PhotoPrice,
    PriceSheet,
    Product,
    ProductKind,
    ProductOption,
    Resolution,
)
from proofsheet.core.cleaning import fields_check, number_clean, text_clean, whole_clean
from proofsheet.core.errors import Invalid, NotFound
from proofsheet.core.models import as_public_id, delete_unless_protected
from proofsheet.core.money import amount_clean
from proofsheet.galleries.models import Photo

MAX_SIZE_INCHES = Decimal(120)
PRODUCT_FIELDS = {
    "kind", "name", "finish", "width_in", "height_in", "weight_grams", "resolution", "licence",
    "price", "cost", "stock", "active", "position", "optional_groups",
}  # fmt: skip
OPTION_FIELDS = {"group", "name", "price_delta", "position"}


def _next_position(queryset) -> int:
    return (queryset.aggregate(m=Max("position"))["m"] or 0) + 1


def _position(value) -> int:
    return whole_clean(value or 0, field="position", label="Position", high=10**6)


def _size(value, field: str) -> Decimal:
    size = number_clean(value, field=field, message="Enter the size in inches, such as 8 or 8.5.")
    if size <= 0 or size > MAX_SIZE_INCHES:
        raise Invalid({field: f"Enter a size between 0 and {MAX_SIZE_INCHES} inches."})
    if size != size.quantize(Decimal("0.01")):
        raise Invalid({field: "Sizes have at most 2 decimals."})
    return size


def _groups_of(product: Product) -> list[str]:
    """The option groups a saved product has, in display order (none for a new product)."""
    if product.pk is None:
        return []
    names = ProductOption.objects.filter(product_id=product.pk).values_list("group", flat=True)
    return list(dict.fromkeys(names.order_by("group", "position", "id")))


def _optional_groups(product: Product, value) -> list[str]:
    """`value` as the product keeps it: names of its own groups, in their spelling, once each."""
    if value in (None, ""):
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise Invalid({"optional_groups": "Give the optional groups as a list of names."})
    groups = {g.casefold(): g for g in _groups_of(product)}
    cleaned: list[str] = []
    for name in value:
        name = name.strip()
        if not name:
            continue
        group = groups.get(name.casefold())
        if group is None:
            message = f"“{name}” is not an option group of this product: add its options first."
            raise Invalid({"optional_groups": message})
        if group not in cleaned:
            cleaned.append(group)
    return cleaned


def _clean_product(product: Product, fields: dict[str, Any]) -> None:
    """Apply `fields` to `product` and check the whole product as its kind requires."""
    fields_check(fields, PRODUCT_FIELDS, "product")
    currency = product.sheet.currency
    if "optional_groups" in fields:
        product.optional_groups = _optional_groups(product, fields.pop("optional_groups"))
    for name, value in fields.items():
        setattr(product, name, value.strip() if isinstance(value, str) else value)
    if product.kind not in ProductKind.values:
        raise Invalid({"kind": "A product is a print or a digital download."})
    product.name = text_clean(product.name, field="name", label="The name", max_length=120)
    product.price = amount_clean(product.price, currency, field="price")
    if product.cost in ("", None):
        product.cost = None
    else:
        product.cost = amount_clean(product.cost, currency, field="cost")
    if product.stock in ("", None):
        product.stock = None
    else:
        product.stock = whole_clean(product.stock, field="stock", label="Stock")
    product.weight_grams = whole_clean(
        product.weight_grams or 0, field="weight_grams", label="Weight", high=10**6
    )
    product.position = _position(product.position)
    product.active = bool(product.active)
    if product.kind == ProductKind.PRINT:
        if product.finish not in Finish.values:
            raise Invalid({"finish": "Choose the finish: photo print, canvas, metal…"})
        if product.width_in in ("", None) or product.height_in in ("", None):
            raise Invalid({"width_in": "A print needs its size (width and height)."})
        product.width_in = _size(product.width_in, "width_in")
        product.height_in = _size(product.height_in, "height_in")
        product.resolution = product.licence = ""
    else:
        if product.resolution not in Resolution.values:
            raise Invalid({"resolution": "Choose the size of the download."})
        if product.licence not in Licence.values:
            raise Invalid({"licence": "Choose the licence: personal or commercial."})
        product.finish = ""
        product.width_in = product.height_in = None
        product.weight_grams = 0


def product_create(*, sheet: PriceSheet, **fields: Any) -> Product:
    """Add a print or a digital download to a sheet."""
    if fields.get("position") is None:
        fields["position"] = _next_position(Product.objects.filter(sheet=sheet))
    product = Product(sheet=sheet, price=fields.pop("price", None))
    _clean_product(product, fields)
    product.save()
    return product


def product_update(*, product: Product, **fields: Any) -> Product:
    """Change some of a product's fields; the product is checked whole."""
    _clean_product(product, fields)
    product.save()
    return product


def product_delete(*, product: Product) -> None:
    """Delete a product no order refers to (one that was sold is switched off instead)."""
    refusal = f"Orders refer to “{product.name}”: switch it off instead of deleting it."
    delete_unless_protected(product, refusal)


# --- options -------------------------------------------------------------------------------------


def _clean_option(option: ProductOption, currency: str) -> None:
    option.group = text_clean(option.group, field="group", label="The option group", max_length=40)
    option.name = text_clean(option.name, field="name", label="The option name", max_length=80)
    option.price_delta = amount_clean(option.price_delta or 0, currency, field="price_delta")
    option.position = _position(option.position)
    clash = ProductOption.objects.filter(
        product_id=option.product_id, group=option.group, name=option.name
    ).exclude(pk=option.pk)
    if clash.exists():
        raise Invalid({"name": f"“{option.group}: {option.name}” is already there."})


def option_add(
    *, product: Product, group: str, name: str, price_delta=0, position: int | None = None
) -> ProductOption:
    """Add a choice (a paper, a frame…) to a product, with its extra price."""
    if position is None:
        position = _next_position(ProductOption.objects.filter(product=product, group=group))
    option = ProductOption(
        product=product, group=group, name=name, price_delta=price_delta, position=position
    )
    _clean_option(option, product.sheet.currency)
    try:
        with transaction.atomic():
            option.save()
    except IntegrityError:  # a concurrent twin
        raise Invalid({"name": "That option is already there."}) from None
    return option


def _keep_optional_groups(product: Product, renamed: tuple[str, str] | None = None) -> None:
    """Forget optional groups the product no longer has options in; a group renamed whole
    (`renamed` = (old, new), the new name a group of its own) stays optional."""
    optional = list(product.optional_groups or ())
    if not optional:
        return
    groups = set(_groups_of(product))
    if renamed and renamed[0] in optional and renamed[0] not in groups:
        optional = [renamed[1] if g == renamed[0] else g for g in optional]
    kept = list(dict.fromkeys(g for g in optional if g in groups))
    if kept != product.optional_groups:
        product.optional_groups = kept
        product.save(update_fields=["optional_groups", "updated_at"])


def option_update(*, option: ProductOption, **fields: Any) -> ProductOption:
    """Change an option's group, name, extra price or position."""
    fields_check(fields, OPTION_FIELDS, "option")
    old_group = option.group
    for name, value in fields.items():
        setattr(option, name, value)
    _clean_option(option, option.product.sheet.currency)
    with transaction.atomic():
        # A group that is new to the product takes the optional mark of the one it came from.
        is_new_group = (
            not ProductOption.objects.filter(product_id=option.product_id, group=option.group)
            .exclude(pk=option.pk)
            .exists()
        )
        option.save()
        if option.group != old_group:
            renamed = (old_group, option.group) if is_new_group else None
            _keep_optional_groups(option.product, renamed)
    return option


def option_remove(*, option: ProductOption) -> None:
    with transaction.atomic():
        option.delete()
        _keep_optional_groups(option.product)


# --- per-photo prices ----------------------------------------------------------------------------


def photo_price_set(*, product: Product, photo: Photo, price) -> PhotoPrice:
    """Sell `product` of this one photo at `price` instead of the sheet's price."""
    if photo.owner_id != product.sheet.owner_id:
        raise Invalid("Only your own photos can have their own prices.")
    amount = amount_clean(price, product.sheet.currency, field="price")
    override, _ = PhotoPrice.objects.update_or_create(
        product=product, photo=photo, defaults={"price": amount}
    )
    return override


def photo_price_clear(*, product: Product, photo: Photo) -> bool:
    """Back to the sheet's price; True when there was an override."""
    deleted, _ = PhotoPrice.objects.filter(product=product, photo=photo).delete()
    return bool(deleted)


@transaction.atomic
def photo_prices_set(*, photo: Photo, prices: Mapping[Any, Any]) -> None:
    """Give the photo its own price of each product named ({product public id: price}); an empty
    price (None or "") is back to the sheet's. All are saved, or none. Products are the photo
    owner's; any other id is not found."""
    wanted: dict[uuid.UUID, Any] = {}
    for product_id, price in prices.items():
        public_id = as_public_id(product_id)
        if public_id is None:
            raise NotFound("No such product.")
        wanted[public_id] = price
    products = {
        p.public_id: p
        for p in Product.objects.filter(
            sheet__owner_id=photo.owner_id, public_id__in=wanted
        ).select_related("sheet")
    }
    if len(products) != len(wanted):
        raise NotFound("No such product.")
    for public_id, price in wanted.items():
        product = products[public_id]
        if price is None or str(price).strip() == "":
            photo_price_clear(product=product, photo=photo)
        else:
            photo_price_set(product=product, photo=photo, price=price)
