"""/api/v1/client endpoints for buying: a photo's offers and price quote, the cart, the checkout.

Whose cart: the signed-in user's (an app's `X-Session-Token`, or the browser session — with a
CSRF token on writes), else a guest cart named by the `X-Cart-Token` header, which is the cart's
public id signed with `django.core.signing` (returned as `token` by every cart response; a guest
app keeps it). A signed-in request that also sends a guest token folds that cart into the
account's (as the web does at log-in).

Nothing here reads a price, total or currency from the client: the input schemas have no such
fields, and every amount in a response is computed by `cart.pricing` / `catalog.selectors`.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Literal

from django.urls import reverse
from ninja import Field, Header, P, Query, Router, Schema, Status

from proofsheet.api import common
from proofsheet.api.common import ErrorOut, GalleryToken, Input
from proofsheet.cart import selectors as cart_selectors
from proofsheet.cart import services as cart_services
from proofsheet.cart.models import Cart, CartLine
from proofsheet.cart.pricing import CartPricing
from proofsheet.cart.session import cart_token, token_cart
from proofsheet.catalog.selectors import (
    packages_for_gallery,
    products_for_photo,
    store_settings_for,
)
from proofsheet.core.errors import NotFound
from proofsheet.core.money import quantize
from proofsheet.flows import buying
from proofsheet.flows import checkout as checkout_flow
from proofsheet.orders.services import order_access_token
from proofsheet.payments.selectors import payment_choices

router = Router(tags=["client shopping"], auth=None)

CartToken = Header[
    str | None,
    P(
        alias="X-Cart-Token",
        description="A guest cart's token (a cart response's `token`); omit it when signed in.",
    ),
]
SHOP_ERRORS = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 410: ErrorOut, 422: ErrorOut}


# --- schemas ---------------------------------------------------------------------------------


class ShopOptionOut(Schema):
    id: str
    group: str
    name: str
    price_delta: Decimal


class ShopOfferOut(Schema):
    product_id: str
    kind: str
    name: str
    finish: str
    resolution: str
    licence: str
    price: Decimal
    currency: str
    available: bool
    optional_groups: list[str] = Field(
        description="The groups of `options` a client may leave unchosen; one option of each "
        "other group is required."
    )
    options: list[ShopOptionOut]


class OfferOptionOut(Schema):
    id: uuid.UUID
    group: str
    name: str
    price_delta: str


class OfferOut(Schema):
    product_id: uuid.UUID
    kind: str
    name: str
    finish: str
    width_in: str | None
    height_in: str | None
    resolution: str
    licence: str
    price: str
    currency: str
    available: bool
    optional_groups: list[str] = Field(
        description="The groups of `options` a client may leave unchosen; one option of each "
        "other group is required."
    )
    options: list[OfferOptionOut]


class PhotoProductsOut(Schema):
    photo_id: uuid.UUID
    currency: str | None
    prices_include_tax: bool
    products: list[OfferOut]


class ShopQuoteOut(Schema):
    product_id: str
    quantity: int
    unit_price: Decimal
    total: Decimal
    currency: str


class ShopLineIn(Input):
    gallery_id: uuid.UUID
    photo_id: uuid.UUID
    product_id: uuid.UUID
    option_ids: list[uuid.UUID] = Field(default_factory=list, max_length=10)
    quantity: int = Field(1, strict=True)


class ShopPackageIn(Input):
    gallery_id: uuid.UUID
    package_id: uuid.UUID


class ShopLineUpdateIn(Input):
    quantity: int | None = Field(None, strict=True)
    option_ids: list[uuid.UUID] | None = Field(None, max_length=10)
    saved_for_later: bool | None = None


class ShopCodeIn(Input):
    code: str = Field(max_length=40)
    email: str = Field("", max_length=254)


class ShopAddressIn(Input):
    name: str = Field("", max_length=200)
    line1: str = Field("", max_length=200)
    line2: str = Field("", max_length=200)
    city: str = Field("", max_length=200)
    region: str = Field("", max_length=200)
    postcode: str = Field("", max_length=200)
    country: str = Field("", max_length=2)


class ShopCheckoutIn(Input):
    email: str = Field("", max_length=254)
    shipping_method_id: uuid.UUID | None = None
    shipping_address: ShopAddressIn | None = None
    line_addresses: dict[uuid.UUID, ShopAddressIn] = Field(default_factory=dict, max_length=100)
    save_address: bool = Field(
        False, description="Keep the shipping address in the signed-in buyer's address book."
    )
    idempotency_key: str = Field(
        "",
        max_length=64,
        description="Retrying with the same key from the same cart returns the first order.",
    )
    pay_with: Literal["", "card", "offline"] = Field(
        "",
        description='"card" or "offline" (bank transfer or later), one of the cart\'s '
        "`pay_with_choices`; empty: the first of them. Another is refused (422, field "
        "`pay_with`).",
    )


class ShopLineOut(Schema):
    id: str
    gallery_id: str | None
    photo_id: str | None
    product_id: str
    name: str
    kind: str
    options: list[ShopOptionOut]
    quantity: int
    saved_for_later: bool
    unit_price: Decimal | None
    package_saving: Decimal | None
    total: Decimal | None
    covered_by: str = Field(
        "", description="A whole-gallery package in the cart that already delivers this file."
    )


class ShopPackageOut(Schema):
    name: str
    times: int
    saving: Decimal


class ShopWholeGalleryOut(Schema):
    package_id: str
    name: str
    product_id: str = Field(description="The digital product every photo is delivered as.")
    resolution: str
    licence: str
    photo_count: int = Field(description="The gallery's photos the package delivers.")
    price: Decimal
    currency: str


class ShopDealItemOut(Schema):
    product_id: str
    name: str
    quantity: int


class ShopDealOut(Schema):
    package_id: str
    name: str
    price: Decimal = Field(description="What the items cost together.")
    currency: str
    items: list[ShopDealItemOut]


class ShopGalleryPackagesOut(Schema):
    currency: str = Field(description="The gallery's price sheet currency (empty: not for sale).")
    whole_gallery: list[ShopWholeGalleryOut] = Field(
        description="Packages that sell every photo of the gallery as one digital download; "
        "add one with POST /cart/packages."
    )
    deals: list[ShopDealOut] = Field(
        description="Bundle deals the cart applies by itself when it holds their items."
    )


class ShopTotalsOut(Schema):
    subtotal: Decimal
    package_savings: Decimal
    discount_code: str
    discount_problem: str
    discount_total: Decimal
    free_shipping: bool
    needs_shipping: bool
    shipping_method: str
    shipping_total: Decimal
    tax_total: Decimal
    tax_calculated: bool = Field(
        description="False while the tax depends on a country not given yet (a tax rule could "
        "apply): `tax_total` then counts no tax; checkout calculates it from the address."
    )
    prices_include_tax: bool
    total: Decimal


class ShopCartOut(Schema):
    id: str
    token: str | None = Field(None, description="Send it as X-Cart-Token (guest carts only).")
    currency: str
    item_count: int
    lines: list[ShopLineOut]
    saved_for_later: list[ShopLineOut]
    packages: list[ShopPackageOut]
    totals: ShopTotalsOut | None
    pay_with_choices: list[str] = Field(
        default_factory=list,
        description='How the buyer may pay at checkout: "card", "offline" or both (choose with '
        "the checkout's `pay_with`).",
    )


class ShopShippingOptionOut(Schema):
    id: str
    name: str
    kind: str
    cost: Decimal | None = Field(description="For the country asked; null: no delivery there.")
    currency: str


class ShopPaymentOut(Schema):
    kind: str = Field(
        description='"instructions" (offline: read `text`), "card" (open `url`, the card '
        'payment page), "redirect", or "none" (nothing to pay).'
    )
    text: str
    url: str


class ShopPlacedOut(Schema):
    id: str
    number: str
    status: str
    email: str
    currency: str
    total: Decimal
    payment: ShopPaymentOut
    order_token: str = Field(description="A signed token that opens the order page.")
    order_url: str


# --- whose cart ------------------------------------------------------------------------------


def _cart(request, token: str | None, *, create: bool) -> Cart | None:
    """The signed-in user's cart (a guest cart sent along joins it), or the token's guest cart."""
    return token_cart(user=common.signed_in_user(request), token=token, create=create)


def _need_cart(request, token: str | None) -> Cart:
    found = _cart(request, token, create=False)
    if found is None:
        raise NotFound("Your cart is empty.")
    return found


# --- rendering -------------------------------------------------------------------------------


def _options_out(options) -> list[ShopOptionOut]:
    return [
        ShopOptionOut(id=str(o.public_id), group=o.group, name=o.name, price_delta=o.price_delta)
        for o in options
    ]


def _line_out(line: CartLine, priced, currency: str) -> ShopLineOut:
    def amount(value):
        return quantize(value, currency) if priced is not None else None

    return ShopLineOut(
        id=str(line.public_id),
        gallery_id=str(line.gallery.public_id) if line.gallery_id else None,
        photo_id=str(line.photo.public_id) if line.photo_id else None,
        product_id=str(line.product.public_id),
        name=line.package.name if line.package_id else line.product.name,
        kind=line.product.kind,
        options=_options_out(line.options.all()),
        quantity=line.quantity,
        saved_for_later=line.saved_for_later,
        unit_price=amount(priced.unit_price) if priced else None,
        package_saving=amount(priced.package_saving) if priced else None,
        total=amount(priced.total) if priced else None,
        covered_by=priced.covered_by if priced else "",
    )


def _totals_out(pricing: CartPricing) -> ShopTotalsOut:
    currency = pricing.currency
    return ShopTotalsOut(
        subtotal=quantize(pricing.subtotal, currency),
        package_savings=quantize(pricing.package_savings, currency),
        discount_code=pricing.discount_code,
        discount_problem=pricing.discount_problem,
        discount_total=quantize(pricing.discount_total, currency),
        free_shipping=pricing.free_shipping,
        needs_shipping=pricing.needs_shipping,
        shipping_method=pricing.shipping_method,
        shipping_total=quantize(pricing.shipping_total, currency),
        tax_total=quantize(pricing.tax_total, currency),
        tax_calculated=pricing.tax_calculated,
        prices_include_tax=pricing.prices_include_tax,
        total=quantize(pricing.total, currency),
    )


def cart_out(cart: Cart) -> ShopCartOut:
    lines = cart_selectors.cart_line_list(cart=cart)
    saved = cart_selectors.cart_line_list(cart=cart, saved_for_later=True)
    pricing = cart_selectors.cart_pricing(cart=cart) if lines else None
    priced = {line.key: line for line in pricing.lines} if pricing else {}
    currency = cart.currency or "EUR"
    return ShopCartOut(
        id=str(cart.public_id),
        token=cart_token(cart) if cart.user_id is None else None,
        currency=cart.currency,
        item_count=sum(line.quantity for line in lines),
        lines=[_line_out(line, priced.get(line.pk), currency) for line in lines],
        saved_for_later=[_line_out(line, None, currency) for line in saved],
        packages=[
            ShopPackageOut(name=p.name, times=p.times, saving=quantize(p.saving, currency))
            for p in (pricing.packages if pricing else ())
        ],
        totals=_totals_out(pricing) if pricing else None,
        pay_with_choices=payment_choices(cart.seller) if lines else [],
    )


# --- a photo's offers --------------------------------------------------------------------------


@router.get(
    "/galleries/{gallery_id}/photos/{photo_id}/offers",
    response={200: list[ShopOfferOut]} | SHOP_ERRORS,
    summary="What can be bought of a photo, with server-computed prices",
)
def photo_offers(request, gallery_id: str, photo_id: str, x_gallery_token: GalleryToken = None):
    visit = common.buyer_visit(request, gallery_id, x_gallery_token)
    photo = common.visible_photo(visit.gallery, photo_id)
    return [
        ShopOfferOut(
            product_id=str(offer.product.public_id),
            kind=offer.product.kind,
            name=offer.product.name,
            finish=offer.product.finish,
            resolution=offer.product.resolution,
            licence=offer.product.licence,
            price=offer.price,
            currency=offer.currency,
            available=offer.available,
            optional_groups=offer.optional_groups,
            options=_options_out(offer.options),
        )
        for offer in products_for_photo(photo)
    ]


@router.get(
    "/galleries/{gallery_id}/photos/{photo_id}/quote",
    response={200: ShopQuoteOut} | SHOP_ERRORS,
    summary="The price of a product of this photo with options and a quantity",
)
def photo_quote(
    request,
    gallery_id: str,
    photo_id: str,
    product_id: uuid.UUID,
    option_ids: Query[list[uuid.UUID]] = None,  # type: ignore[assignment]
    quantity: int = 1,
    x_gallery_token: GalleryToken = None,
):
    visit = common.buyer_visit(request, gallery_id, x_gallery_token)
    quote = buying.photo_quote(
        access=visit,
        photo=common.visible_photo(visit.gallery, photo_id),
        product_id=product_id,
        option_ids=option_ids or [],
        quantity=quantity,
    )
    return ShopQuoteOut(
        product_id=str(quote.product.public_id),
        quantity=quote.quantity,
        unit_price=quote.unit_price,
        total=quote.total,
        currency=quote.currency,
    )


# --- the same, older address


@router.get(
    "/galleries/{gallery_id}/photos/{photo_id}/products",
    response={200: PhotoProductsOut} | common.errors(403, 404, 410),
    deprecated=True,
    summary="What a visitor can buy of a photo (use …/offers; this adds sizes and the tax rule)",
)
def photo_products(request, gallery_id: str, photo_id: str, x_gallery_token: GalleryToken = None):
    visit = common.visit(request, gallery_id, x_gallery_token)
    photo = common.visible_photo(visit.gallery, photo_id)
    offers = products_for_photo(photo)
    store = store_settings_for(visit.gallery.owner)
    return PhotoProductsOut(
        photo_id=photo.public_id,
        currency=offers[0].currency if offers else None,
        prices_include_tax=store.prices_include_tax,
        products=[
            OfferOut(
                product_id=o.product.public_id,
                kind=o.product.kind,
                name=o.product.name,
                finish=o.product.finish,
                width_in=common.plain_number(o.product.width_in),
                height_in=common.plain_number(o.product.height_in),
                resolution=o.product.resolution,
                licence=o.product.licence,
                price=common.money_text(o.price, o.currency),
                currency=o.currency,
                available=o.available,
                optional_groups=o.optional_groups,
                options=[
                    OfferOptionOut(
                        id=opt.public_id,
                        group=opt.group,
                        name=opt.name,
                        price_delta=common.money_text(opt.price_delta, o.currency),
                    )
                    for opt in o.options
                ],
            )
            for o in offers
        ],
    )


# --- packages ----------------------------------------------------------------------------------


@router.get(
    "/galleries/{gallery_id}/packages",
    response={200: ShopGalleryPackagesOut} | SHOP_ERRORS,
    summary="The whole-gallery packages and bundle deals of a gallery, with their prices",
)
def gallery_packages(request, gallery_id: str, x_gallery_token: GalleryToken = None):
    visit = common.buyer_visit(request, gallery_id, x_gallery_token)
    found = packages_for_gallery(visit.gallery)
    return ShopGalleryPackagesOut(
        currency=found.currency,
        whole_gallery=[
            ShopWholeGalleryOut(
                package_id=str(offer.package.public_id),
                name=offer.package.name,
                product_id=str(offer.product.public_id),
                resolution=offer.product.resolution,
                licence=offer.product.licence,
                photo_count=offer.photo_count,
                price=offer.price,
                currency=offer.currency,
            )
            for offer in found.whole_gallery
        ],
        deals=[
            ShopDealOut(
                package_id=str(deal.package.public_id),
                name=deal.package.name,
                price=deal.price,
                currency=deal.currency,
                items=[
                    ShopDealItemOut(
                        product_id=str(item.product.public_id),
                        name=item.product.name,
                        quantity=item.quantity,
                    )
                    for item in deal.items
                ],
            )
            for deal in found.deals
        ],
    )


# --- the cart --------------------------------------------------------------------------------


@router.get("/cart", response={200: ShopCartOut} | SHOP_ERRORS, summary="Your cart, priced now")
def cart_detail(request, x_cart_token: CartToken = None):
    found = _cart(request, x_cart_token, create=False)
    if found is None:  # nothing yet: an empty guest cart costs nothing to describe
        return ShopCartOut(
            id="", currency="", item_count=0, lines=[], saved_for_later=[], packages=[], totals=None
        )
    return cart_out(found)


@router.post(
    "/cart/lines",
    response={201: ShopCartOut} | SHOP_ERRORS,
    summary="Add a product of a photo to the cart (makes a guest cart when there is none)",
)
def cart_line_add(
    request,
    payload: ShopLineIn,
    x_gallery_token: GalleryToken = None,
    x_cart_token: CartToken = None,
):
    visit = common.buyer_visit(request, str(payload.gallery_id), x_gallery_token)
    photo = common.visible_photo(visit.gallery, str(payload.photo_id))
    line = buying.cart_line_add(
        cart=lambda: _cart(request, x_cart_token, create=True),
        access=visit,
        photo=photo,
        product_id=payload.product_id,
        option_ids=payload.option_ids,
        quantity=payload.quantity,
    )
    return Status(201, cart_out(line.cart))


@router.post(
    "/cart/packages",
    response={201: ShopCartOut} | SHOP_ERRORS,
    summary="Add a whole-gallery package to the cart (makes a guest cart when there is none)",
)
def cart_package_add(
    request,
    payload: ShopPackageIn,
    x_gallery_token: GalleryToken = None,
    x_cart_token: CartToken = None,
):
    visit = common.buyer_visit(request, str(payload.gallery_id), x_gallery_token)
    line = buying.cart_package_add(
        cart=lambda: _cart(request, x_cart_token, create=True),
        access=visit,
        package_id=payload.package_id,
    )
    return Status(201, cart_out(line.cart))


@router.patch(
    "/cart/lines/{line_id}",
    response={200: ShopCartOut} | SHOP_ERRORS,
    summary="Change a line: quantity, options, or save it for later / move it back",
)
def cart_line_update(
    request, line_id: str, payload: ShopLineUpdateIn, x_cart_token: CartToken = None
):
    found = _need_cart(request, x_cart_token)
    buying.cart_line_change(
        cart=found,
        line_id=common.public_id(line_id),
        quantity=payload.quantity,
        option_ids=payload.option_ids,
        saved_for_later=payload.saved_for_later,
    )
    return cart_out(found)


@router.delete(
    "/cart/lines/{line_id}", response={200: ShopCartOut} | SHOP_ERRORS, summary="Remove a line"
)
def cart_line_remove(request, line_id: str, x_cart_token: CartToken = None):
    found = _need_cart(request, x_cart_token)
    buying.cart_line_remove(cart=found, line_id=common.public_id(line_id))
    return cart_out(found)


@router.put(
    "/cart/code",
    response={200: ShopCartOut} | SHOP_ERRORS,
    summary="Apply a discount code (422 says why one cannot be used)",
)
def cart_code_apply(request, payload: ShopCodeIn, x_cart_token: CartToken = None):
    found = _need_cart(request, x_cart_token)
    user = common.signed_in_user(request)
    email = user.email if user is not None else payload.email
    cart_services.discount_apply(cart=found, code=payload.code, email=email)
    return cart_out(found)


@router.delete("/cart/code", response={200: ShopCartOut} | SHOP_ERRORS, summary="Remove the code")
def cart_code_remove(request, x_cart_token: CartToken = None):
    found = _need_cart(request, x_cart_token)
    cart_services.discount_remove(cart=found)
    return cart_out(found)


@router.get(
    "/cart/shipping-methods",
    response={200: list[ShopShippingOptionOut]} | SHOP_ERRORS,
    summary="The seller's shipping methods with their cost for this cart to a country",
)
def cart_shipping_methods(
    request, country: str = "", region: str = "", x_cart_token: CartToken = None
):
    found = _need_cart(request, x_cart_token)
    quotes = checkout_flow.shipping_quotes(
        cart=found, address={"country": country[:2], "region": region[:10]}
    )
    return [
        ShopShippingOptionOut(
            id=str(quote.method.public_id),
            name=quote.method.name,
            kind=quote.method.kind,
            cost=None if quote.cost is None else quantize(quote.cost, found.currency),
            currency=quote.method.currency,
        )
        for quote in quotes
    ]


# --- checkout --------------------------------------------------------------------------------


@router.post(
    "/checkout",
    response={201: ShopPlacedOut} | SHOP_ERRORS,
    summary="Place the cart's order (a repeated idempotency_key returns the first order)",
)
def checkout(request, payload: ShopCheckoutIn, x_cart_token: CartToken = None):
    found = _need_cart(request, x_cart_token)
    user = common.signed_in_user(request)
    placed = checkout_flow.checkout_submit(
        cart=found,
        email=payload.email or (user.email if user is not None else ""),
        customer=user,
        address=payload.shipping_address.model_dump() if payload.shipping_address else None,
        shipping_method_id=payload.shipping_method_id,
        line_addresses={str(k): v.model_dump() for k, v in payload.line_addresses.items()},
        save_address=payload.save_address,
        idempotency_key=payload.idempotency_key,
        pay_with=payload.pay_with,
    )
    order, step = placed.order, placed.next_step
    token = order_access_token(order)
    return Status(
        201,
        ShopPlacedOut(
            id=str(order.public_id),
            number=order.number,
            status=order.status,
            email=order.email,
            currency=order.currency,
            total=quantize(order.total, order.currency),
            payment=ShopPaymentOut(kind=step.kind, text=step.text, url=step.url),
            order_token=token,
            order_url=request.build_absolute_uri(reverse("storefront:order", args=[token])),
        ),
    )
