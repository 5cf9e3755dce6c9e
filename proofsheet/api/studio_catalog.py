"""/api/v1 endpoints for the photographer's catalogue (price sheets, products, options, photo
prices, packages, bulk markup, gallery pricing). What a visitor can buy is in client_buying.

Amounts go out as strings quantised to the currency ("12.50", "1500" for JPY) and come in as
numbers or strings; the services check them against the sheet's currency.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from ninja import Router, Schema, Status
from pydantic import Field

from proofsheet.api import common
from proofsheet.api.common import ErrorOut, Input, seller
from proofsheet.api.studio_galleries import owned_gallery, owned_photo
from proofsheet.catalog import packages, products, selectors, sheets
from proofsheet.catalog.models import Package, PriceSheet, Product, ProductOption
from proofsheet.core.errors import Invalid
from proofsheet.core.money import CURRENCIES
from proofsheet.fulfillment.shipping import print_sales_without_shipping_for_sheet

router = Router(tags=["catalog"])

Currency = Literal[CURRENCIES]  # type: ignore[valid-type]
Amount = Annotated[Decimal, Field(description='An amount such as 12.50 (or "12.50").')]
Text = Annotated[str, Field(max_length=200)]
KindValue = Literal["print", "digital"]
FinishValue = Literal["", "paper", "canvas", "metal", "framed"]
ResolutionValue = Literal["", "web", "print", "full"]
LicenceValue = Literal["", "personal", "commercial"]
Count = Annotated[int, Field(ge=0, le=1_000_000)]
OptionalGroups = Annotated[
    list[Annotated[str, Field(max_length=40)]],
    Field(
        max_length=50,
        description='Option groups (such as "Frame") a client may leave unchosen; every '
        "other group of the product needs one choice. Each names a group the product has "
        "options in.",
    ),
]
Quantity = Annotated[int, Field(ge=1, le=packages.MAX_PACKAGE_QUANTITY)]


# --- lookups (a foreign or unknown id is a 404) --------------------------------------------------


owned_sheet = common.owned(selectors.sheet_get_owned)
owned_product = common.owned(selectors.product_get_owned)
owned_option = common.owned(selectors.option_get_owned)
owned_package = common.owned(selectors.package_get_owned)


# --- schemas -------------------------------------------------------------------------------------


class OptionOut(Schema):
    id: UUID
    group: str
    name: str
    price_delta: str
    position: int


class ProductOut(Schema):
    id: UUID
    sheet_id: UUID
    kind: str
    name: str
    finish: str
    width_in: str | None
    height_in: str | None
    weight_grams: int
    resolution: str
    licence: str
    price: str
    cost: str | None
    currency: str
    stock: int | None
    active: bool
    position: int
    optional_groups: list[str]
    options: list[OptionOut]


class PackageItemOut(Schema):
    product_id: UUID
    quantity: int


class PackageOut(Schema):
    id: UUID
    sheet_id: UUID
    name: str
    price: str
    currency: str
    whole_gallery_product_id: UUID | None
    active: bool
    items: list[PackageItemOut]


class SheetOut(Schema):
    id: UUID
    name: str
    currency: str
    is_default: bool
    product_count: int
    gallery_count: int


class SheetWarningOut(Schema):
    code: str = Field(
        description="`no_shipping_method`: prints of this sheet are on sale in galleries but no "
        "active shipping method is in its currency; `no_shipping_rate`: there is one, without "
        "rates. Either way clients cannot check out prints."
    )
    message: str


class SheetDetail(SheetOut):
    products: list[ProductOut]
    packages: list[PackageOut]
    warnings: list[SheetWarningOut]
    galleries_selling_nothing: int = Field(
        description="How many of your galleries have no price sheet (they sell nothing); "
        "`POST …/apply-to-galleries` gives them this one."
    )


class SheetIn(Input):
    name: Annotated[str, Field(max_length=120)]
    currency: Currency = "EUR"
    is_default: bool = False
    starter: bool = Field(
        False, description="Fill the sheet with starter prints, downloads and packages."
    )


class SheetPatch(Input):
    name: Annotated[str, Field(max_length=120)] | None = None
    currency: Currency | None = None
    is_default: bool | None = None


class DuplicateIn(Input):
    name: Annotated[str, Field(max_length=120)] | None = None


class MarkupIn(Input):
    percent: Decimal | None = Field(None, description="Raise every price by this percentage.")
    cost_factor: Decimal | None = Field(None, description="Or set each price to cost × factor.")


class MarkupOut(Schema):
    changed: int


class ApplyToGalleriesIn(Input):
    all_without_sheet: bool = Field(
        False, description="Every gallery of yours that has no price sheet."
    )
    gallery_ids: list[UUID] | None = Field(
        None,
        max_length=1000,
        description="Or these galleries of yours; those that already sell from a sheet keep it.",
    )


class ApplyToGalleriesOut(Schema):
    applied: int = Field(description="How many galleries now sell from this sheet.")
    galleries_selling_nothing: int
    warnings: list[SheetWarningOut] = Field(
        description="What now stops clients buying from it, as on the sheet's detail."
    )


class ProductIn(Input):
    kind: KindValue
    name: Annotated[str, Field(max_length=120)]
    finish: FinishValue = ""
    width_in: Decimal | None = None
    height_in: Decimal | None = None
    weight_grams: Count = 0
    resolution: ResolutionValue = ""
    licence: LicenceValue = ""
    price: Amount
    cost: Amount | None = None
    stock: Count | None = None
    active: bool = True
    position: Count | None = None
    optional_groups: OptionalGroups = Field(default_factory=list)


class ProductPatch(Input):
    kind: KindValue | None = None
    name: Annotated[str, Field(max_length=120)] | None = None
    finish: FinishValue | None = None
    width_in: Decimal | None = None
    height_in: Decimal | None = None
    weight_grams: Count | None = None
    resolution: ResolutionValue | None = None
    licence: LicenceValue | None = None
    price: Amount | None = None
    cost: Amount | None = None
    stock: Count | None = None
    active: bool | None = None
    position: Count | None = None
    optional_groups: OptionalGroups | None = None


class OptionIn(Input):
    group: Annotated[str, Field(max_length=40)]
    name: Annotated[str, Field(max_length=80)]
    price_delta: Amount = Decimal(0)
    position: Count | None = None


class OptionPatch(Input):
    group: Annotated[str, Field(max_length=40)] | None = None
    name: Annotated[str, Field(max_length=80)] | None = None
    price_delta: Amount | None = None
    position: Count | None = None


class PhotoPriceIn(Input):
    price: Amount


class PhotoPriceOut(Schema):
    product_id: UUID
    photo_id: UUID
    name: str
    sheet_price: str
    price: str
    currency: str
    overridden: bool


class PackageItemIn(Input):
    product_id: UUID
    quantity: Quantity = 1


class PackageIn(Input):
    name: Annotated[str, Field(max_length=120)]
    price: Amount
    items: list[PackageItemIn] = Field(default_factory=list, max_length=200)
    whole_gallery_product_id: UUID | None = None
    active: bool = True


class PackagePatch(Input):
    name: Annotated[str, Field(max_length=120)] | None = None
    price: Amount | None = None
    items: list[PackageItemIn] | None = Field(None, max_length=200)
    whole_gallery_product_id: UUID | None = None
    active: bool | None = None


class GalleryPricingIn(Input):
    sheet_id: UUID | None = Field(None, description="The sheet to sell from; null sells nothing.")


class GalleryPricingOut(Schema):
    gallery_id: UUID
    sheet: SheetOut | None


# --- rendering -----------------------------------------------------------------------------------


def option_out(option: ProductOption, currency: str) -> OptionOut:
    return OptionOut(
        id=option.public_id,
        group=option.group,
        name=option.name,
        price_delta=common.money_text(option.price_delta, currency),
        position=option.position,
    )


def product_out(product: Product, sheet: PriceSheet | None = None) -> ProductOut:
    sheet = sheet or product.sheet
    return ProductOut(
        id=product.public_id,
        sheet_id=sheet.public_id,
        kind=product.kind,
        name=product.name,
        finish=product.finish,
        width_in=common.plain_number(product.width_in),
        height_in=common.plain_number(product.height_in),
        weight_grams=product.weight_grams,
        resolution=product.resolution,
        licence=product.licence,
        price=common.money_text(product.price, sheet.currency),
        cost=common.money_text(product.cost, sheet.currency),
        currency=sheet.currency,
        stock=product.stock,
        active=product.active,
        position=product.position,
        optional_groups=list(product.optional_groups or ()),
        options=[option_out(o, sheet.currency) for o in product.options.all()],
    )


def package_out(package: Package, sheet: PriceSheet | None = None) -> PackageOut:
    sheet = sheet or package.sheet
    return PackageOut(
        id=package.public_id,
        sheet_id=sheet.public_id,
        name=package.name,
        price=common.money_text(package.price, sheet.currency),
        currency=sheet.currency,
        whole_gallery_product_id=package.whole_gallery.public_id if package.whole_gallery else None,
        active=package.active,
        items=[
            PackageItemOut(product_id=item.product.public_id, quantity=item.quantity)
            for item in package.items.all()
        ],
    )


def sheet_out(sheet: PriceSheet) -> SheetOut:
    counts = getattr(sheet, "product_count", None)
    return SheetOut(
        id=sheet.public_id,
        name=sheet.name,
        currency=sheet.currency,
        is_default=sheet.is_default,
        product_count=sheet.products.count() if counts is None else counts,
        gallery_count=sheet.galleries.count() if counts is None else sheet.gallery_count,
    )


def sheet_detail(sheet: PriceSheet) -> SheetDetail:
    return SheetDetail(
        **sheet_out(sheet).dict(),
        products=[product_out(p, sheet) for p in selectors.sheet_products(sheet)],
        packages=[package_out(p, sheet) for p in selectors.sheet_packages(sheet)],
        galleries_selling_nothing=selectors.galleries_without_sheet(sheet.owner).count(),
        warnings=[
            SheetWarningOut(code=gap.code, message=gap.message)
            for gap in print_sales_without_shipping_for_sheet(sheet)
        ],
    )


# --- price sheets --------------------------------------------------------------------------------

W = common.errors(422, 403, 404)  # the errors every catalogue write can answer with


@router.get(
    "/price-sheets", response={200: list[SheetOut], 403: ErrorOut}, summary="Your price sheets"
)
def list_sheets(request):
    return [sheet_out(s) for s in selectors.sheets_owned_by(seller(request))]


@router.post(
    "/price-sheets",
    response={201: SheetDetail, 422: ErrorOut, 403: ErrorOut},
    summary="Create a price sheet (empty, or the starter sheet with `starter`)",
)
def create_sheet(request, payload: SheetIn):
    sheet = sheets.price_sheet_create(owner=seller(request), **payload.dict())
    return Status(201, sheet_detail(sheet))


@router.get(
    "/price-sheets/{sheet_id}",
    response={200: SheetDetail, 403: ErrorOut, 404: ErrorOut},
    summary="A price sheet with its products, options and packages",
)
def get_sheet(request, sheet_id: UUID):
    return sheet_detail(owned_sheet(request, sheet_id))


@router.patch(
    "/price-sheets/{sheet_id}",
    response={200: SheetDetail} | W,
    summary="Rename a sheet, change its currency, or make it (or stop it being) the default",
)
def update_sheet(request, sheet_id: UUID, payload: SheetPatch):
    sheet = owned_sheet(request, sheet_id)
    sheets.price_sheet_update(sheet=sheet, **payload.dict(exclude_unset=True))
    return sheet_detail(sheet)


@router.delete(
    "/price-sheets/{sheet_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    summary="Delete a price sheet (409 while galleries use it)",
)
def delete_sheet(request, sheet_id: UUID):
    sheets.price_sheet_delete(sheet=owned_sheet(request, sheet_id))
    return Status(204, None)


@router.post(
    "/price-sheets/{sheet_id}/duplicate",
    response={201: SheetDetail} | W,
    summary="Copy a sheet with its products, options, photo prices and packages",
)
def duplicate_sheet(request, sheet_id: UUID, payload: DuplicateIn | None = None):
    sheet = owned_sheet(request, sheet_id)
    copy = sheets.price_sheet_duplicate(sheet=sheet, name=payload.name if payload else None)
    return Status(201, sheet_detail(copy))


@router.post(
    "/price-sheets/{sheet_id}/markup",
    response={200: MarkupOut} | W,
    summary="Raise every product price by a percentage, or set it to cost × factor",
)
def markup_sheet(request, sheet_id: UUID, payload: MarkupIn):
    sheet = owned_sheet(request, sheet_id)
    changed = sheets.price_sheet_markup(
        sheet=sheet, percent=payload.percent, cost_factor=payload.cost_factor
    )
    return MarkupOut(changed=changed)


@router.post(
    "/price-sheets/{sheet_id}/apply-to-galleries",
    response={200: ApplyToGalleriesOut} | W,
    summary="Sell from this sheet in your galleries that sell nothing (all, or those listed)",
)
def apply_sheet_to_galleries(request, sheet_id: UUID, payload: ApplyToGalleriesIn):
    sheet = owned_sheet(request, sheet_id)
    if payload.all_without_sheet == (payload.gallery_ids is not None):
        raise Invalid("Send either all_without_sheet: true or gallery_ids.")
    applied = sheets.price_sheet_apply_to_galleries(sheet=sheet, gallery_ids=payload.gallery_ids)
    return ApplyToGalleriesOut(
        applied=applied,
        galleries_selling_nothing=selectors.galleries_without_sheet(sheet.owner).count(),
        warnings=[
            SheetWarningOut(code=gap.code, message=gap.message)
            for gap in print_sales_without_shipping_for_sheet(sheet)
        ],
    )


# --- products and options ------------------------------------------------------------------------


@router.post(
    "/price-sheets/{sheet_id}/products",
    response={201: ProductOut} | W,
    summary="Add a product: a print (finish and size) or a download (resolution and licence)",
)
def create_product(request, sheet_id: UUID, payload: ProductIn):
    sheet = owned_sheet(request, sheet_id)
    product = products.product_create(sheet=sheet, **payload.dict())
    return Status(201, product_out(product, sheet))


@router.get("/products/{product_id}", response={200: ProductOut, 403: ErrorOut, 404: ErrorOut})
def get_product(request, product_id: UUID):
    return product_out(owned_product(request, product_id))


@router.patch("/products/{product_id}", response={200: ProductOut} | W)
def update_product(request, product_id: UUID, payload: ProductPatch):
    product = owned_product(request, product_id)
    products.product_update(product=product, **payload.dict(exclude_unset=True))
    return product_out(product)


@router.delete(
    "/products/{product_id}", response={204: None, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
)
def delete_product(request, product_id: UUID):
    products.product_delete(product=owned_product(request, product_id))
    return Status(204, None)


@router.post(
    "/products/{product_id}/options",
    response={201: OptionOut} | W,
    summary="Add an option (a paper, a frame…) with its extra price",
)
def add_option(request, product_id: UUID, payload: OptionIn):
    product = owned_product(request, product_id)
    option = products.option_add(product=product, **payload.dict())
    return Status(201, option_out(option, product.sheet.currency))


@router.patch("/options/{option_id}", response={200: OptionOut} | W)
def update_option(request, option_id: UUID, payload: OptionPatch):
    option = owned_option(request, option_id)
    products.option_update(option=option, **payload.dict(exclude_unset=True))
    return option_out(option, option.product.sheet.currency)


@router.delete("/options/{option_id}", response={204: None, 403: ErrorOut, 404: ErrorOut})
def remove_option(request, option_id: UUID):
    products.option_remove(option=owned_option(request, option_id))
    return Status(204, None)


# --- per-photo prices ----------------------------------------------------------------------------


def _photo_prices(photo) -> list[PhotoPriceOut]:
    sheet, rows = selectors.photo_price_table(photo)
    if sheet is None:
        return []
    return [
        PhotoPriceOut(
            product_id=row.product.public_id,
            photo_id=photo.public_id,
            name=row.product.name,
            sheet_price=common.money_text(row.sheet_price, sheet.currency),
            price=common.money_text(row.price, sheet.currency),
            currency=sheet.currency,
            overridden=row.override is not None,
        )
        for row in rows
    ]


@router.get(
    "/photos/{photo_id}/prices",
    response={200: list[PhotoPriceOut], 403: ErrorOut, 404: ErrorOut},
    summary="The products of the photo's gallery sheet with this photo's prices",
)
def list_photo_prices(request, photo_id: UUID):
    return _photo_prices(owned_photo(request, photo_id))


@router.put(
    "/products/{product_id}/photos/{photo_id}/price",
    response={200: list[PhotoPriceOut]} | W,
    summary="Sell a product of one photo at its own price",
)
def set_photo_price(request, product_id: UUID, photo_id: UUID, payload: PhotoPriceIn):
    photo = owned_photo(request, photo_id)
    products.photo_prices_set(photo=photo, prices={product_id: payload.price})
    return _photo_prices(photo)


@router.delete(
    "/products/{product_id}/photos/{photo_id}/price",
    response={204: None, 403: ErrorOut, 404: ErrorOut},
    summary="Back to the sheet's price for this photo",
)
def clear_photo_price(request, product_id: UUID, photo_id: UUID):
    photo = owned_photo(request, photo_id)
    products.photo_prices_set(photo=photo, prices={product_id: None})
    return Status(204, None)


# --- packages ------------------------------------------------------------------------------------


def _items(items: list[PackageItemIn]) -> list[tuple[UUID, int]]:
    return [(item.product_id, item.quantity) for item in items]


@router.post(
    "/price-sheets/{sheet_id}/packages",
    response={201: PackageOut} | W,
    summary="Create a package: products with quantities, or the whole gallery as digital",
)
def create_package(request, sheet_id: UUID, payload: PackageIn):
    sheet = owned_sheet(request, sheet_id)
    package = packages.package_create(
        sheet=sheet,
        name=payload.name,
        price=payload.price,
        items=_items(payload.items),
        whole_gallery=payload.whole_gallery_product_id,
        active=payload.active,
    )
    return Status(201, package_out(package, sheet))


@router.get("/packages/{package_id}", response={200: PackageOut, 403: ErrorOut, 404: ErrorOut})
def get_package(request, package_id: UUID):
    return package_out(owned_package(request, package_id))


@router.patch(
    "/packages/{package_id}",
    response={200: PackageOut} | W,
    summary="Change a package; `items`, when sent, replace the old ones",
)
def update_package(request, package_id: UUID, payload: PackagePatch):
    package = owned_package(request, package_id)
    sheet = package.sheet
    fields = payload.dict(exclude_unset=True)
    changes = {k: fields[k] for k in ("name", "price", "active") if k in fields}
    if "items" in fields:
        changes["items"] = _items(payload.items or [])
    if "whole_gallery_product_id" in fields:
        changes["whole_gallery"] = fields["whole_gallery_product_id"]
    packages.package_update(package=package, **changes)
    return package_out(selectors.package_get_owned(sheet.owner, package.public_id), sheet)


@router.delete("/packages/{package_id}", response={204: None, 403: ErrorOut, 404: ErrorOut})
def delete_package(request, package_id: UUID):
    packages.package_delete(package=owned_package(request, package_id))
    return Status(204, None)


# --- gallery pricing -----------------------------------------------------------------------------


def _pricing_out(gallery) -> GalleryPricingOut:
    sheet = selectors.sheet_for_gallery(gallery)
    return GalleryPricingOut(
        gallery_id=gallery.public_id, sheet=sheet_out(sheet) if sheet else None
    )


@router.get(
    "/galleries/{gallery_id}/price-sheet",
    response={200: GalleryPricingOut, 403: ErrorOut, 404: ErrorOut},
    summary="The price sheet a gallery sells from",
)
def get_gallery_pricing(request, gallery_id: UUID):
    return _pricing_out(owned_gallery(request, gallery_id))


@router.put(
    "/galleries/{gallery_id}/price-sheet",
    response={200: GalleryPricingOut} | W,
    summary="Sell a gallery from one of your price sheets (null: sell nothing)",
)
def set_gallery_pricing(request, gallery_id: UUID, payload: GalleryPricingIn):
    gallery = owned_gallery(request, gallery_id)
    sheet = owned_sheet(request, payload.sheet_id) if payload.sheet_id else None
    sheets.gallery_pricing_set(gallery=gallery, sheet=sheet)
    return _pricing_out(gallery)
