"""Catalogue services: the only code that writes price sheets, products, options, photo prices,
packages, gallery pricing, store settings and tax rules.

Prices arrive as typed by a seller (strings, numbers or Decimals) and are checked against the
sheet's currency with `core.money.parse_amount`: never negative, never more decimals than the
currency has (JPY none, EUR two).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, ProtectedError

from proofsheet.accounts.models import User
from proofsheet.accounts.services import seller_required
from proofsheet.catalog.models import (
    Finish,
    GalleryPricing,
    Licence,
    Package,
    PackageItem,
    PhotoPrice,
    PriceSheet,
    Product,
    ProductKind,
    ProductOption,
    Resolution,
    StoreSettings,
    TaxRule,
)
from proofsheet.core.errors import Conflict, Invalid, NotFound
from proofsheet.core.models import as_public_id
from proofsheet.core.money import CURRENCIES, MAX_AMOUNT, parse_amount, quantize
from proofsheet.galleries.models import Gallery, Photo

MAX_PACKAGE_QUANTITY = 1000
MAX_SIZE_INCHES = Decimal(120)
MAX_INSTRUCTIONS = 5000
COUNTRY = re.compile(r"^[A-Z]{2}$")
REGION = re.compile(r"^[A-Z0-9]{1,3}$")
_UNSET: Any = object()


def _amount(value, currency: str, field: str) -> Decimal:
    try:
        return parse_amount(value, currency)
    except ValueError as exc:
        raise Invalid({field: str(exc)}) from None


def _text(value, field: str, label: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise Invalid({field: f"{label} cannot be empty."})
    if len(value) > max_length:
        raise Invalid({field: f"{label} has at most {max_length} characters."})
    return value


def _currency(value: str) -> str:
    currency = (value or "").strip().upper()
    if currency not in CURRENCIES:
        raise Invalid({"currency": f"Choose one of {', '.join(CURRENCIES)}."})
    return currency


def _next_position(queryset) -> int:
    return (queryset.aggregate(m=Max("position"))["m"] or 0) + 1


# --- price sheets ---------------------------------------------------------------------------


def price_sheet_create(
    *, owner: User, name: str, currency: str = "EUR", is_default: bool = False
) -> PriceSheet:
    """Create an empty price sheet in one currency."""
    seller_required(owner)
    sheet = PriceSheet.objects.create(
        owner=owner,
        name=_text(name, "name", "The name", 120),
        currency=_currency(currency),
    )
    if is_default:
        price_sheet_set_default(sheet=sheet)
    return sheet


def _check_amounts_fit(sheet: PriceSheet, currency: str) -> None:
    amounts = list(sheet.products.values_list("price", flat=True))
    amounts += [c for c in sheet.products.values_list("cost", flat=True) if c is not None]
    amounts += list(
        ProductOption.objects.filter(product__sheet=sheet).values_list("price_delta", flat=True)
    )
    amounts += list(sheet.packages.values_list("price", flat=True))
    amounts += list(PhotoPrice.objects.filter(product__sheet=sheet).values_list("price", flat=True))
    if any(quantize(a, currency) != a for a in amounts):
        raise Invalid(
            {
                "currency": f"Some prices on this sheet have more decimals than {currency} "
                "allows: change them first."
            }
        )


def price_sheet_update(
    *, sheet: PriceSheet, name: str | None = None, currency: str | None = None
) -> PriceSheet:
    """Rename a sheet or change its currency (its prices stay as they are)."""
    if name is not None:
        sheet.name = _text(name, "name", "The name", 120)
    if currency is not None:
        currency = _currency(currency)
        if currency != sheet.currency:
            _check_amounts_fit(sheet, currency)
        sheet.currency = currency
    sheet.save()
    return sheet


def price_sheet_delete(*, sheet: PriceSheet) -> None:
    """Delete a sheet no gallery uses any more."""
    used = GalleryPricing.objects.filter(sheet=sheet).count()
    if used:
        raise Conflict(
            f"“{sheet.name}” is used by {used} galler{'y' if used == 1 else 'ies'}: "
            "give them another price sheet first.",
            code="in_use",
        )
    try:
        with transaction.atomic():
            sheet.delete()
    except ProtectedError:
        raise Conflict(
            f"“{sheet.name}” has products that orders refer to, so it cannot be deleted.",
            code="in_use",
        ) from None


def price_sheet_set_default(*, sheet: PriceSheet, is_default: bool = True) -> PriceSheet:
    """Make this the owner's one default sheet (new galleries get it), or stop it being one."""
    with transaction.atomic():
        # Lock the owner's sheets so two concurrent choices queue instead of colliding.
        list(PriceSheet.objects.select_for_update().filter(owner_id=sheet.owner_id))
        if is_default:
            PriceSheet.objects.filter(owner_id=sheet.owner_id, is_default=True).exclude(
                pk=sheet.pk
            ).update(is_default=False)
        sheet.is_default = is_default
        sheet.save(update_fields=["is_default", "updated_at"])
    return sheet


def gallery_pricing_assign_default(gallery: Gallery) -> PriceSheet | None:
    """Give a new gallery its owner's default sheet (if any, and if it has none yet)."""
    sheet = PriceSheet.objects.filter(owner_id=gallery.owner_id, is_default=True).first()
    if sheet is None or GalleryPricing.objects.filter(gallery=gallery).exists():
        return None
    GalleryPricing.objects.create(gallery=gallery, sheet=sheet)
    return sheet


def gallery_pricing_set(*, gallery: Gallery, sheet: PriceSheet | None) -> None:
    """Sell the gallery from `sheet` (one of its owner's), or nothing (None)."""
    if sheet is None:
        GalleryPricing.objects.filter(gallery=gallery).delete()
        return
    if sheet.owner_id != gallery.owner_id:
        raise Invalid({"sheet": "Choose one of your own price sheets."})
    GalleryPricing.objects.update_or_create(gallery=gallery, defaults={"sheet": sheet})


def price_sheet_apply_to_galleries(*, sheet: PriceSheet, gallery_ids=None) -> int:
    """Sell from `sheet` in its owner's galleries that sell nothing; return how many took it.

    `gallery_ids` (public ids) narrows it to those galleries; one that is not the owner's is
    NotFound and nothing changes. A gallery that already sells from a sheet keeps
    it (switching one is `gallery_pricing_set`), so a rerun applies to none.
    """
    galleries = Gallery.objects.filter(owner_id=sheet.owner_id)
    if gallery_ids is not None:
        wanted = {as_public_id(value) for value in gallery_ids}
        galleries = galleries.filter(public_id__in=wanted - {None})
        if None in wanted or galleries.count() != len(wanted):
            raise NotFound("No such gallery.")
    applied = 0
    with transaction.atomic():
        for gallery in galleries.filter(pricing__isnull=True).order_by("id"):
            # get_or_create: a gallery given a sheet meanwhile keeps that one.
            _, created = GalleryPricing.objects.get_or_create(
                gallery=gallery, defaults={"sheet": sheet}
            )
            applied += created
    return applied


@transaction.atomic
def price_sheet_duplicate(*, sheet: PriceSheet, name: str | None = None) -> PriceSheet:
    """Copy a sheet with its products, options, photo prices and packages (not its galleries)."""
    copy = PriceSheet.objects.create(
        owner_id=sheet.owner_id,
        name=_text(name or f"{sheet.name} (copy)"[:120], "name", "The name", 120),
        currency=sheet.currency,
    )
    mapping: dict[int, Product] = {}
    for product in Product.objects.filter(sheet=sheet).prefetch_related("options"):
        old_pk = product.pk
        options = list(product.options.all())
        product.pk = product.id = None
        product._state.adding = True
        product.sheet = copy
        product.public_id = Product._meta.get_field("public_id").get_default()
        product.save()
        mapping[old_pk] = product
        ProductOption.objects.bulk_create(
            ProductOption(
                product=product,
                group=o.group,
                name=o.name,
                price_delta=o.price_delta,
                position=o.position,
            )
            for o in options
        )
    PhotoPrice.objects.bulk_create(
        PhotoPrice(product=mapping[pp.product_id], photo_id=pp.photo_id, price=pp.price)
        for pp in PhotoPrice.objects.filter(product__sheet=sheet)
    )
    for package in Package.objects.filter(sheet=sheet).prefetch_related("items"):
        new = Package.objects.create(
            sheet=copy,
            name=package.name,
            price=package.price,
            active=package.active,
            whole_gallery=mapping.get(package.whole_gallery_id),
        )
        PackageItem.objects.bulk_create(
            PackageItem(package=new, product=mapping[i.product_id], quantity=i.quantity)
            for i in package.items.all()
        )
    return copy


# --- the starter sheet ------------------------------------------------------------------------

# Rough units of each currency per euro, so a starter sheet in yen is not priced at 5 yen.
_STARTER_SCALE = {
    "USD": 1, "GBP": 1, "CHF": 1, "CAD": 1.5, "AUD": 1.5, "NZD": 1.5, "SEK": 10, "NOK": 10,
    "DKK": 7, "PLN": 4, "CZK": 25, "HUF": 400, "JPY": 150, "KRW": 1400, "ISK": 150,
    "KWD": 0.3, "BHD": 0.4, "JOD": 0.8, "OMR": 0.4, "BRL": 5, "MXN": 20, "ZAR": 20,
    "INR": 90, "SGD": 1.5,
}  # fmt: skip

# (name, finish, width, height, grams, price, cost) in euros.
_STARTER_PRINTS = [
    ("4x6 print", Finish.PAPER, 4, 6, 20, "5", "0.50"),
    ("5x7 print", Finish.PAPER, 5, 7, 30, "8", "1"),
    ("8x10 print", Finish.PAPER, 8, 10, 60, "15", "3"),
    ("11x14 print", Finish.PAPER, 11, 14, 120, "30", "8"),
    ("16x20 print", Finish.PAPER, 16, 20, 250, "50", "15"),
    ("16x20 canvas", Finish.CANVAS, 16, 20, 1500, "150", "60"),
    ("11x14 metal print", Finish.METAL, 11, 14, 1200, "120", "50"),
    ("8x10 framed print", Finish.FRAMED, 8, 10, 900, "70", "25"),
]
_STARTER_DIGITAL = [
    ("Web-size download", Resolution.WEB, Licence.PERSONAL, "10"),
    ("Print-size download", Resolution.PRINT, Licence.PERSONAL, "20"),
    ("Full-resolution download", Resolution.FULL, Licence.PERSONAL, "35"),
    ("Full-resolution download, commercial licence", Resolution.FULL, Licence.COMMERCIAL, "150"),
]
_PAPERS = [("Glossy", "0"), ("Matte", "0"), ("Lustre", "1")]
_FRAMES = [("Black", "0"), ("White", "0"), ("Natural oak", "10")]


def _scaled(euros: str, currency: str) -> Decimal:
    scale = Decimal(str(_STARTER_SCALE.get(currency, 1)))
    amount = Decimal(euros) * scale
    if scale >= 5:  # whole units read better than 37.50 kr or 1,234 yen… round to a whole unit
        amount = amount.quantize(Decimal(1))
    return quantize(amount, currency)


@transaction.atomic
def price_sheet_starter(
    *, owner: User, currency: str = "EUR", name: str = "Starter prices"
) -> PriceSheet:
    """A ready-to-edit sheet: paper prints, canvas, metal, framed, digital downloads, packages.

    It becomes the owner's default sheet when they have none yet.
    """
    has_default = PriceSheet.objects.filter(owner=owner, is_default=True).exists()
    sheet = price_sheet_create(owner=owner, name=name, currency=currency)
    currency = sheet.currency
    products: dict[str, Product] = {}
    for position, (pname, finish, w, h, grams, price, cost) in enumerate(_STARTER_PRINTS, 1):
        product = Product.objects.create(
            sheet=sheet,
            kind=ProductKind.PRINT,
            name=pname,
            finish=finish,
            width_in=Decimal(w),
            height_in=Decimal(h),
            weight_grams=grams,
            price=_scaled(price, currency),
            cost=_scaled(cost, currency),
            position=position,
        )
        choices = {Finish.PAPER: ("Paper", _PAPERS), Finish.FRAMED: ("Frame", _FRAMES)}
        if finish in choices:
            group, names = choices[finish]
            ProductOption.objects.bulk_create(
                ProductOption(
                    product=product,
                    group=group,
                    name=oname,
                    price_delta=_scaled(delta, currency),
                    position=i,
                )
                for i, (oname, delta) in enumerate(names, 1)
            )
    start = len(_STARTER_PRINTS)
    for position, (pname, resolution, licence, price) in enumerate(_STARTER_DIGITAL, start + 1):
        products[f"{resolution}-{licence}"] = Product.objects.create(
            sheet=sheet,
            kind=ProductKind.DIGITAL,
            name=pname,
            resolution=resolution,
            licence=licence,
            price=_scaled(price, currency),
            position=position,
        )
    Package.objects.create(
        sheet=sheet,
        name="The whole gallery (digital)",
        price=_scaled("300", currency),
        whole_gallery=products["full-personal"],
    )
    package = Package.objects.create(
        sheet=sheet, name="10 web downloads", price=_scaled("60", currency)
    )
    PackageItem.objects.create(package=package, product=products["web-personal"], quantity=10)
    if not has_default:
        price_sheet_set_default(sheet=sheet)
    return sheet


# --- products -------------------------------------------------------------------------------

PRODUCT_FIELDS = {
    "kind",
    "name",
    "finish",
    "width_in",
    "height_in",
    "weight_grams",
    "resolution",
    "licence",
    "price",
    "cost",
    "stock",
    "active",
    "position",
    "optional_groups",
}


def _size(value, field: str) -> Decimal:
    try:
        size = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise Invalid({field: "Enter the size in inches, such as 8 or 8.5."}) from None
    if not size.is_finite() or size <= 0 or size > MAX_SIZE_INCHES:
        raise Invalid({field: f"Enter a size between 0 and {MAX_SIZE_INCHES} inches."})
    if size != size.quantize(Decimal("0.01")):
        raise Invalid({field: "Sizes have at most 2 decimals."})
    return size


def _whole(value, field: str, label: str, *, low: int = 0, high: int = 10**9) -> int:
    if isinstance(value, bool):
        raise Invalid({field: f"{label} must be a whole number."})
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise Invalid({field: f"{label} must be a whole number."}) from None
    if not low <= number <= high:
        raise Invalid({field: f"{label} must be between {low} and {high}."})
    return number


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
    unknown = set(fields) - PRODUCT_FIELDS
    if unknown:
        raise Invalid(f"Unknown product fields: {', '.join(sorted(unknown))}")
    currency = product.sheet.currency
    if "optional_groups" in fields:
        product.optional_groups = _optional_groups(product, fields.pop("optional_groups"))
    for name, value in fields.items():
        setattr(product, name, value.strip() if isinstance(value, str) else value)
    if product.kind not in ProductKind.values:
        raise Invalid({"kind": "A product is a print or a digital download."})
    product.name = _text(product.name, "name", "The name", 120)
    product.price = _amount(product.price, currency, "price")
    if product.cost in ("", None):
        product.cost = None
    else:
        product.cost = _amount(product.cost, currency, "cost")
    if product.stock in ("", None):
        product.stock = None
    else:
        product.stock = _whole(product.stock, "stock", "Stock")
    product.weight_grams = _whole(product.weight_grams or 0, "weight_grams", "Weight", high=10**6)
    product.position = _whole(product.position or 0, "position", "Position", high=10**6)
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
    fields.setdefault("position", _next_position(Product.objects.filter(sheet=sheet)))
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
    try:
        with transaction.atomic():
            product.delete()
    except ProtectedError:
        raise Conflict(
            f"Orders refer to “{product.name}”: switch it off instead of deleting it.",
            code="in_use",
        ) from None


def _clean_option(option: ProductOption, currency: str) -> None:
    option.group = _text(option.group, "group", "The option group", 40)
    option.name = _text(option.name, "name", "The option name", 80)
    option.price_delta = _amount(option.price_delta or 0, currency, "price_delta")
    option.position = _whole(option.position or 0, "position", "Position", high=10**6)
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
    unknown = set(fields) - {"group", "name", "price_delta", "position"}
    if unknown:
        raise Invalid(f"Unknown option fields: {', '.join(sorted(unknown))}")
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


# --- per-photo prices -------------------------------------------------------------------------


def photo_price_set(*, product: Product, photo: Photo, price) -> PhotoPrice:
    """Sell `product` of this one photo at `price` instead of the sheet's price."""
    if photo.owner_id != product.sheet.owner_id:
        raise Invalid("Only your own photos can have their own prices.")
    amount = _amount(price, product.sheet.currency, "price")
    override, _ = PhotoPrice.objects.update_or_create(
        product=product, photo=photo, defaults={"price": amount}
    )
    return override


def photo_price_clear(*, product: Product, photo: Photo) -> bool:
    """Back to the sheet's price; True when there was an override."""
    deleted, _ = PhotoPrice.objects.filter(product=product, photo=photo).delete()
    return bool(deleted)


# --- packages -------------------------------------------------------------------------------


def _set_package(
    package: Package,
    *,
    name,
    price,
    items: list[tuple[Product, int]] | None,
    whole_gallery: Product | None,
    active,
) -> Package:
    sheet = package.sheet
    if name is not None:
        package.name = _text(name, "name", "The name", 120)
    if price is not None:
        package.price = _amount(price, sheet.currency, "price")
    if active is not None:
        package.active = bool(active)
    if whole_gallery is not _UNSET:
        if whole_gallery is not None and (
            whole_gallery.sheet_id != sheet.pk or whole_gallery.kind != ProductKind.DIGITAL
        ):
            raise Invalid({"whole_gallery": "Choose a digital download of this price sheet."})
        package.whole_gallery = whole_gallery
    cleaned: dict[int, tuple[Product, int]] = {}
    if items is not None:
        for product, quantity in items:
            if product.sheet_id != sheet.pk:
                raise Invalid({"items": "Packages hold products of their own sheet."})
            quantity = _whole(quantity, "items", "A quantity", low=1, high=MAX_PACKAGE_QUANTITY)
            previous = cleaned.get(product.pk, (product, 0))[1]
            cleaned[product.pk] = (product, previous + quantity)
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
    items: list[tuple[Product, int]] | None = None,
    whole_gallery: Product | None = None,
    active: bool = True,
) -> Package:
    """A bundle deal: its items (or the whole gallery as digital) together cost `price`."""
    package = Package(sheet=sheet)
    return _set_package(
        package,
        name=name,
        price=price,
        items=items or [],
        whole_gallery=whole_gallery,
        active=active,
    )


@transaction.atomic
def package_update(
    *,
    package: Package,
    name: str | None = None,
    price=None,
    items: list[tuple[Product, int]] | None = None,
    whole_gallery: Any = _UNSET,
    active: bool | None = None,
) -> Package:
    """Change a package; `items`, when given, replace the old ones."""
    return _set_package(
        package, name=name, price=price, items=items, whole_gallery=whole_gallery, active=active
    )


def package_delete(*, package: Package) -> None:
    package.delete()


# --- bulk markup ----------------------------------------------------------------------------


def _decimal(value, field: str, label: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise Invalid({field: f"{label} must be a number."}) from None
    if not number.is_finite():
        raise Invalid({field: f"{label} must be a number."})
    return number


@transaction.atomic
def price_sheet_markup(*, sheet: PriceSheet, percent=None, cost_factor=None) -> int:
    """Raise (or lower) every product price by `percent`, or set price = cost × `cost_factor`
    (products without a cost keep their price). Rounded per currency; returns how many changed.
    """
    if (percent is None) == (cost_factor is None):
        raise Invalid("Give either a percentage or a cost factor.")
    if percent is not None:
        percent = _decimal(percent, "percent", "The percentage")
        if not Decimal(-100) < percent <= Decimal(1000):
            raise Invalid({"percent": "Give a percentage above -100 and up to 1000."})
        factor, use_cost = 1 + percent / 100, False
    else:
        factor = _decimal(cost_factor, "cost_factor", "The factor")
        if not Decimal(0) < factor <= Decimal(100):
            raise Invalid({"cost_factor": "Give a factor above 0 and up to 100."})
        use_cost = True
    changed = []
    for product in Product.objects.select_for_update().filter(sheet=sheet):
        if use_cost:
            if product.cost is None:
                continue
            new = quantize(product.cost * factor, sheet.currency)
        else:
            new = quantize(product.price * factor, sheet.currency)
        new = min(new, MAX_AMOUNT)
        if new != product.price:
            product.price = new
            changed.append(product)
    Product.objects.bulk_update(changed, ["price"])
    return len(changed)


# --- store settings and tax -------------------------------------------------------------------


def store_settings_update(
    *, owner: User, prices_include_tax: bool | None = None, payment_instructions: str | None = None
) -> StoreSettings:
    """Change the seller's shop-wide choices."""
    seller_required(owner)
    store, _ = StoreSettings.objects.get_or_create(owner=owner)
    if prices_include_tax is not None:
        store.prices_include_tax = bool(prices_include_tax)
    if payment_instructions is not None:
        text = payment_instructions.strip()
        if len(text) > MAX_INSTRUCTIONS:
            raise Invalid({"payment_instructions": f"At most {MAX_INSTRUCTIONS} characters."})
        store.payment_instructions = text
    store.save()
    return store


def _rate(value, field: str) -> Decimal:
    rate = _decimal(value, field, "A tax rate")
    if not Decimal(0) <= rate <= Decimal(100):
        raise Invalid({field: "A tax rate is between 0 and 100 %."})
    if rate != rate.quantize(Decimal("0.001")):
        raise Invalid({field: "A tax rate has at most 3 decimals."})
    return rate


def _clean_tax_rule(rule: TaxRule) -> None:
    rule.country = (rule.country or "").strip().upper()
    if not COUNTRY.match(rule.country):
        raise Invalid({"country": "Give the country as its two-letter code, such as DE."})
    rule.region = (rule.region or "").strip().upper()
    if rule.region.startswith(f"{rule.country}-"):
        rule.region = rule.region[3:]
    if rule.region and not REGION.match(rule.region):
        raise Invalid(
            {"region": "Give the region as its ISO 3166-2 code, such as CA for US-CA, or nothing."}
        )
    rule.physical_rate = _rate(rule.physical_rate, "physical_rate")
    rule.digital_rate = _rate(rule.digital_rate, "digital_rate")
    clash = TaxRule.objects.filter(
        owner_id=rule.owner_id, country=rule.country, region=rule.region
    ).exclude(pk=rule.pk)
    if clash.exists():
        where = rule.country + (f"-{rule.region}" if rule.region else "")
        raise Invalid({"country": f"There is already a rule for {where}."})


def _save_tax_rule(rule: TaxRule) -> TaxRule:
    _clean_tax_rule(rule)
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:  # a concurrent twin slipped past the check
        raise Invalid({"country": "There is already a rule for that place."}) from None
    return rule


def tax_rule_create(
    *, owner: User, country: str, region: str = "", physical_rate=0, digital_rate=0
) -> TaxRule:
    """A tax rate for a country (or one of its regions), physical and digital goods apart."""
    seller_required(owner)
    rule = TaxRule(
        owner=owner,
        country=country,
        region=region,
        physical_rate=physical_rate,
        digital_rate=digital_rate,
    )
    return _save_tax_rule(rule)


def tax_rule_update(*, rule: TaxRule, **fields: Any) -> TaxRule:
    unknown = set(fields) - {"country", "region", "physical_rate", "digital_rate"}
    if unknown:
        raise Invalid(f"Unknown tax rule fields: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(rule, name, value)
    return _save_tax_rule(rule)


def tax_rule_delete(*, rule: TaxRule) -> None:
    rule.delete()
