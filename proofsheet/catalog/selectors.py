"""Catalogue reads. Ownership is enforced here: another photographer's sheet, product, package or
tax rule is simply not found (R01)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, QuerySet

from proofsheet.accounts.models import User
from proofsheet.catalog.models import (
    GalleryPricing,
    Package,
    PhotoPrice,
    PriceSheet,
    Product,
    ProductKind,
    ProductOption,
    StoreSettings,
    TaxRule,
)
from proofsheet.core.models import as_public_id, public_id_get
from proofsheet.core.money import quantize
from proofsheet.galleries.models import Gallery, Photo, PhotoStatus


def sheets_owned_by(user: User) -> QuerySet[PriceSheet]:
    """The user's price sheets (default first) with their product and gallery counts."""
    return (
        PriceSheet.objects.filter(owner=user)
        .annotate(
            product_count=Count("products", distinct=True),
            gallery_count=Count("galleries", distinct=True),
        )
        .order_by("-is_default", "name", "id")
    )


def sheet_get_owned(user: User, public_id) -> PriceSheet | None:
    return public_id_get(PriceSheet.objects.filter(owner=user), public_id)


def sheet_default(user: User) -> PriceSheet | None:
    """The sheet new galleries of this photographer sell from, if they chose one."""
    return PriceSheet.objects.filter(owner=user, is_default=True).first()


def sheet_products(sheet: PriceSheet) -> QuerySet[Product]:
    """Every product of a sheet (active or not) with its options, in the sheet's order."""
    return Product.objects.filter(sheet=sheet).prefetch_related("options")


def sheet_packages(sheet: PriceSheet) -> QuerySet[Package]:
    return (
        Package.objects.filter(sheet=sheet)
        .select_related("whole_gallery")
        .prefetch_related("items__product")
    )


def product_get_owned(user: User, public_id) -> Product | None:
    return public_id_get(
        Product.objects.filter(sheet__owner=user).select_related("sheet"), public_id
    )


def product_get_in_sheet(sheet: PriceSheet, public_id) -> Product | None:
    return public_id_get(Product.objects.filter(sheet=sheet), public_id)


def option_get_owned(user: User, public_id) -> ProductOption | None:
    options = ProductOption.objects.filter(product__sheet__owner=user)
    return public_id_get(options.select_related("product__sheet"), public_id)


def package_get_owned(user: User, public_id) -> Package | None:
    packages = (
        Package.objects.filter(sheet__owner=user)
        .select_related("sheet", "whole_gallery")
        .prefetch_related("items__product")
    )
    return public_id_get(packages, public_id)


def galleries_without_sheet(owner: User) -> QuerySet[Gallery]:
    """The owner's galleries that sell nothing (no price sheet), newest first."""
    return Gallery.objects.filter(owner=owner, pricing__isnull=True)


def sheet_for_gallery(gallery: Gallery) -> PriceSheet | None:
    """The sheet a gallery sells from, or None (it sells nothing)."""
    pricing = GalleryPricing.objects.filter(gallery=gallery).select_related("sheet").first()
    return pricing.sheet if pricing else None


def photo_prices(photo: Photo) -> dict[int, Decimal]:
    """{product pk: overriding price} for one photo."""
    return dict(PhotoPrice.objects.filter(photo=photo).values_list("product_id", "price"))


@dataclass(frozen=True)
class PhotoPriceRow:
    """One product of the photo's sheet with the sheet's price and the photo's own, if any."""

    product: Product
    sheet_price: Decimal  # quantised in the sheet's currency
    override: Decimal | None  # quantised; None: the photo sells at the sheet's price

    @property
    def price(self) -> Decimal:
        return self.sheet_price if self.override is None else self.override


def photo_price_table(photo: Photo) -> tuple[PriceSheet | None, list[PhotoPriceRow]]:
    """The sheet the photo's gallery sells from (None: nothing) and a row for each product."""
    sheet = sheet_for_gallery(photo.gallery)
    if sheet is None:
        return None, []
    overrides = photo_prices(photo)
    return sheet, [
        PhotoPriceRow(
            product=product,
            sheet_price=quantize(product.price, sheet.currency),
            override=(
                quantize(overrides[product.pk], sheet.currency) if product.pk in overrides else None
            ),
        )
        for product in sheet_products(sheet)
    ]


@dataclass(frozen=True)
class Group:
    """One option group of a product: its choices, and whether the client may choose none."""

    name: str
    optional: bool
    options: list[ProductOption]


def option_groups(product: Product, options=None) -> list[Group]:
    """`product`'s option groups in display order (`options` defaults to all of its options)."""
    groups: dict[str, Group] = {}
    for option in product.options.all() if options is None else options:
        group = groups.get(option.group)
        if group is None:
            group = groups[option.group] = Group(
                name=option.group, optional=product.is_optional(option.group), options=[]
            )
        group.options.append(option)
    return list(groups.values())


def missing_groups(product: Product, options) -> list[str]:
    """The required groups of `product` in which `options` choose nothing."""
    chosen = {o.group for o in options}
    return [g.name for g in option_groups(product) if not g.optional and g.name not in chosen]


@dataclass(frozen=True)
class Offer:
    """A product as a client sees it on one photo: the server-computed price and its options."""

    product: Product
    price: Decimal  # quantised, the photo's override applied
    currency: str
    options: list[ProductOption] = field(default_factory=list)
    overridden: bool = False

    @property
    def available(self) -> bool:
        return self.product.stock is None or self.product.stock > 0

    @property
    def groups(self) -> list[Group]:
        return option_groups(self.product, self.options)

    @property
    def optional_groups(self) -> list[str]:
        """The product's groups a client may leave unchosen (only groups it has options in)."""
        return [g.name for g in self.groups if g.optional]


def products_for_photo(photo: Photo) -> list[Offer]:
    """What a client can buy of this photo: the active products of its gallery's sheet."""
    sheet = sheet_for_gallery(photo.gallery)
    if sheet is None:
        return []
    overrides = photo_prices(photo)
    offers = []
    for product in sheet_products(sheet).filter(active=True):
        price = overrides.get(product.pk, product.price)
        offers.append(
            Offer(
                product=product,
                price=quantize(price, sheet.currency),
                currency=sheet.currency,
                options=list(product.options.all()),
                overridden=product.pk in overrides,
            )
        )
    return offers


@dataclass(frozen=True)
class WholeGalleryOffer:
    """A whole-gallery package as a client sees it: every ready photo, one digital product."""

    package: Package
    product: Product  # the digital product each photo is delivered as
    price: Decimal  # quantised in the sheet's currency
    currency: str
    photo_count: int  # the gallery's ready photos (what fulfilment grants)


@dataclass(frozen=True)
class DealItem:
    product: Product
    quantity: int


@dataclass(frozen=True)
class BundleDeal:
    """A package deal the cart applies by itself ("10 downloads for 50")."""

    package: Package
    price: Decimal
    currency: str
    items: list[DealItem]


@dataclass(frozen=True)
class GalleryPackages:
    """What a client can buy or benefit from as packages in one gallery."""

    currency: str = ""
    whole_gallery: list[WholeGalleryOffer] = field(default_factory=list)
    deals: list[BundleDeal] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.whole_gallery or self.deals)

    def whole_gallery_get(self, public_id) -> WholeGalleryOffer | None:
        """The whole-gallery offer with this package id, or None (foreign, inactive, unknown)."""
        public_id = as_public_id(public_id)
        if public_id is None:
            return None
        return next((o for o in self.whole_gallery if o.package.public_id == public_id), None)


def packages_for_gallery(gallery: Gallery) -> GalleryPackages:
    """The active packages of the gallery's sheet: whole-gallery offers (an active digital product,
    at least one ready photo) and bundle deals (every item's product active)."""
    sheet = sheet_for_gallery(gallery)
    if sheet is None:
        return GalleryPackages()
    packages = list(sheet_packages(sheet).filter(active=True).order_by("price", "name", "id"))
    photo_count = 0
    if any(p.whole_gallery_id for p in packages):
        photo_count = Photo.objects.filter(gallery=gallery, status=PhotoStatus.READY).count()
    whole, deals = [], []
    for package in packages:
        price = quantize(package.price, sheet.currency)
        product = package.whole_gallery
        if product is not None:
            usable = (
                product.active
                and product.kind == ProductKind.DIGITAL
                and product.sheet_id == sheet.pk
            )
            if usable and photo_count:
                whole.append(
                    WholeGalleryOffer(
                        package=package,
                        product=product,
                        price=price,
                        currency=sheet.currency,
                        photo_count=photo_count,
                    )
                )
            continue
        items = [DealItem(product=i.product, quantity=i.quantity) for i in package.items.all()]
        if items and all(i.product.active and i.quantity > 0 for i in items):
            deals.append(
                BundleDeal(package=package, price=price, currency=sheet.currency, items=items)
            )
    return GalleryPackages(currency=sheet.currency, whole_gallery=whole, deals=deals)


def price_for(product: Product, photo: Photo | None, options=()) -> Decimal:
    """A product's unit price for a photo with chosen options (quantised; the one place it is
    computed, for the cart and the checkout too)."""
    base = product.price
    if photo is not None:
        override = PhotoPrice.objects.filter(product=product, photo=photo).first()
        if override is not None:
            base = override.price
    total = base + sum((o.price_delta for o in options), Decimal(0))
    return quantize(total, product.sheet.currency)


def store_settings_for(user: User) -> StoreSettings:
    """The seller's store settings (the defaults, unsaved, until they change one)."""
    return StoreSettings.objects.filter(owner=user).first() or StoreSettings(owner=user)


def tax_rules_of(user: User) -> QuerySet[TaxRule]:
    return TaxRule.objects.filter(owner=user).order_by("country", "region", "id")


def tax_rule_get_owned(user: User, public_id) -> TaxRule | None:
    return public_id_get(TaxRule.objects.filter(owner=user), public_id)


def tax_rate_for(
    owner: User, country: str, region: str = "", kind: str = ProductKind.PRINT
) -> Decimal:
    """The seller's tax rate in percent for goods of `kind` sent to `country` (and `region`).

    A rule for the region beats the rule for the whole country; no rule is 0 %.
    """
    country = (country or "").strip().upper()
    region = (region or "").strip().upper()
    rules = {
        rule.region: rule
        for rule in TaxRule.objects.filter(owner=owner, country=country, region__in={"", region})
    }
    rule = rules.get(region) if region else None
    rule = rule or rules.get("")
    if rule is None:
        return Decimal(0)
    return rule.digital_rate if kind == ProductKind.DIGITAL else rule.physical_rate
