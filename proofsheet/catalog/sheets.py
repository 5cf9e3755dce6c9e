"""Price sheets: create (empty or the starter), change, make the default, copy, mark up, delete;
and which sheet each gallery sells from.

A sheet belongs to one photographer and has one currency; its prices are checked against it
(`core.money.amount_clean`). A gallery sells from at most one sheet (`GalleryPricing`); the
interfaces that create galleries call `gallery_pricing_assign_default` or `gallery_pricing_set`.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from proofsheet.accounts.models import User
from proofsheet.accounts.services import seller_required
from proofsheet.catalog.models import (
    GalleryPricing,
    Package,
    PackageItem,
    PhotoPrice,
    PriceSheet,
    Product,
    ProductOption,
)
from proofsheet.catalog.starter import starter_products_add
from proofsheet.core.cleaning import number_clean, text_clean
from proofsheet.core.errors import Conflict, Invalid, NotFound
from proofsheet.core.models import as_public_ids, delete_unless_protected
from proofsheet.core.money import (
    MAX_AMOUNT,
    currency_change_check,
    currency_clean,
    percent_clean,
    quantize,
)
from proofsheet.galleries.models import Gallery


def _name(value) -> str:
    return text_clean(value, field="name", label="The name", max_length=120)


@transaction.atomic
def price_sheet_create(
    *,
    owner: User,
    name: str,
    currency: str = "EUR",
    is_default: bool = False,
    starter: bool = False,
) -> PriceSheet:
    """Create a sheet in one currency: empty, or (`starter`) with ready-to-edit prints, downloads
    and packages. `is_default` makes it the default; a starter is one when the owner has none."""
    seller_required(owner)
    first = starter and not PriceSheet.objects.filter(owner=owner, is_default=True).exists()
    sheet = PriceSheet.objects.create(
        owner=owner, name=_name(name), currency=currency_clean(currency)
    )
    if starter:
        starter_products_add(sheet)
    if is_default or first:
        price_sheet_set_default(sheet=sheet)
    return sheet


def price_sheet_starter(
    *, owner: User, currency: str = "EUR", name: str = "Starter prices"
) -> PriceSheet:
    """The starter sheet (`price_sheet_create` with `starter`), for the demo and scripts."""
    return price_sheet_create(owner=owner, name=name, currency=currency, starter=True)


def _amounts(sheet: PriceSheet) -> list[Decimal]:
    """Every amount stored on the sheet: prices, costs, option prices, packages, photo prices."""
    amounts = list(sheet.products.values_list("price", flat=True))
    amounts += [c for c in sheet.products.values_list("cost", flat=True) if c is not None]
    amounts += ProductOption.objects.filter(product__sheet=sheet).values_list(
        "price_delta", flat=True
    )
    amounts += sheet.packages.values_list("price", flat=True)
    amounts += PhotoPrice.objects.filter(product__sheet=sheet).values_list("price", flat=True)
    return amounts


@transaction.atomic
def price_sheet_update(
    *,
    sheet: PriceSheet,
    name: str | None = None,
    currency: str | None = None,
    is_default: bool | None = None,
) -> PriceSheet:
    """Rename a sheet, change its currency (its prices stay as they are, so they must fit it),
    or make it (or stop it being) the default."""
    if name is not None:
        sheet.name = _name(name)
    if currency is not None:
        currency = currency_clean(currency)
        if currency != sheet.currency:
            currency_change_check(_amounts(sheet), currency, what="prices on this sheet")
        sheet.currency = currency
    sheet.save()
    if is_default is not None:
        price_sheet_set_default(sheet=sheet, is_default=is_default)
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
    refusal = f"“{sheet.name}” has products that orders refer to, so it cannot be deleted."
    delete_unless_protected(sheet, refusal)


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


@transaction.atomic
def price_sheet_duplicate(*, sheet: PriceSheet, name: str | None = None) -> PriceSheet:
    """Copy a sheet with its products, options, photo prices and packages (not its galleries)."""
    copy = PriceSheet.objects.create(
        owner_id=sheet.owner_id,
        name=_name(name or f"{sheet.name} (copy)"[:120]),
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
            whole_gallery=(
                mapping.get(package.whole_gallery_id) if package.whole_gallery_id else None
            ),
        )
        PackageItem.objects.bulk_create(
            PackageItem(package=new, product=mapping[i.product_id], quantity=i.quantity)
            for i in package.items.all()
        )
    return copy


@transaction.atomic
def price_sheet_markup(*, sheet: PriceSheet, percent=None, cost_factor=None) -> int:
    """Raise (or lower) every product price by `percent`, or set price = cost × `cost_factor`
    (products without a cost keep their price). Rounded per currency; returns how many changed.
    """
    if (percent is None) == (cost_factor is None):
        raise Invalid("Give either a percentage or a cost factor.")
    if percent is not None:
        percent = percent_clean(
            percent, field="percent", low=-100, high=1000, above_low=True, places=None
        )
        factor, use_cost = 1 + percent / 100, False
    else:
        factor = number_clean(
            cost_factor, field="cost_factor", message="The factor must be a number."
        )
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


# --- which sheet a gallery sells from -------------------------------------------------------------


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
        wanted = as_public_ids(gallery_ids)
        if wanted is None or galleries.filter(public_id__in=wanted).count() != len(wanted):
            raise NotFound("No such gallery.")
        galleries = galleries.filter(public_id__in=wanted)
    applied = 0
    with transaction.atomic():
        for gallery in galleries.filter(pricing__isnull=True).order_by("id"):
            # get_or_create: a gallery given a sheet meanwhile keeps that one.
            _, created = GalleryPricing.objects.get_or_create(
                gallery=gallery, defaults={"sheet": sheet}
            )
            applied += created
    return applied
