"""Buying, each use case once: a photo's price quote, and putting or changing a cart line.

The storefront (the photo's buy panel, the cart page) and the client API call these with what the
visitor sent: public ids (text or UUIDs) and a quantity as typed or sent. One option rule for
every road: the product must be one of the photo's offers, every option id an option of that
product (an unknown one is refused, never dropped), at most one per group, every required group
chosen — and nothing is ever chosen for the visitor. The rules themselves are `cart.services`'
(`options_clean`, `quantity_clean`, stock, one seller per cart); this module only assembles them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from proofsheet.cart import selectors as cart_selectors
from proofsheet.cart import services as cart_services
from proofsheet.cart.models import Cart, CartLine
from proofsheet.cart.services import CartError
from proofsheet.catalog.models import Product, ProductOption
from proofsheet.catalog.selectors import Offer, packages_for_gallery, price_for, products_for_photo
from proofsheet.core.errors import Invalid, NotFound
from proofsheet.core.models import as_public_id
from proofsheet.core.money import quantize
from proofsheet.galleries.access import Access
from proofsheet.galleries.models import Photo

CartOrMaker = Cart | Callable[[], Cart]  # the cart, or how to get it (made on first use)


def _cart(cart: CartOrMaker) -> Cart:
    """The cart, asked for only once the choice is accepted: a refusal makes no cart."""
    return cart() if callable(cart) else cart


@dataclass(frozen=True)
class Quote:
    """What one choice of a photo costs, as the server computes it."""

    product: Product
    options: tuple[ProductOption, ...]
    quantity: int
    unit_price: Decimal
    total: Decimal
    currency: str


def _offer(photo: Photo, product_id) -> Offer:
    """The photo's offer of `product_id`; refused when none was chosen or it is not sold here."""
    if not product_id:
        raise Invalid(fields={"product": "Choose a print or a download."})
    wanted = as_public_id(product_id)
    offer = next((o for o in products_for_photo(photo) if o.product.public_id == wanted), None)
    if offer is None:
        raise NotFound("This product is not sold in this gallery.")
    return offer


def _options_of(product: Product, available: Iterable[ProductOption], option_ids) -> list:
    """The options `option_ids` name, each one of `available` (the product's); any other id is
    refused, so a choice the visitor made is never silently lost. (The group rules are
    `cart.services.options_clean`'s, which every write applies.)"""
    by_id = {option.public_id: option for option in available}
    chosen = []
    for value in option_ids:
        public_id = as_public_id(value)
        option = by_id.get(public_id) if public_id is not None else None
        if option is None:
            raise CartError(
                fields={"options": f"Choose options of {product.name} only."},
                code="option_invalid",
            )
        chosen.append(option)
    return chosen


def _choice(photo: Photo, product_id, option_ids) -> tuple[Offer, list[ProductOption]]:
    """The photo's offer and the options chosen of it, by the one option rule."""
    offer = _offer(photo, product_id)
    options = _options_of(offer.product, offer.options, option_ids)
    return offer, cart_services.options_clean(offer.product, options)


def photo_quote(
    *, access: Access, photo: Photo, product_id, option_ids=(), quantity: int | str = 1
) -> Quote:
    """The price of `quantity` × a product of `photo` with the chosen options, for a visitor who
    may buy in its gallery."""
    cart_services.buyer_required(access)
    quantity = cart_services.quantity_clean(quantity)
    offer, options = _choice(photo, product_id, option_ids)
    unit = price_for(offer.product, photo, options)
    return Quote(
        product=offer.product,
        options=tuple(options),
        quantity=quantity,
        unit_price=unit,
        total=quantize(unit * quantity, offer.currency),
        currency=offer.currency,
    )


def cart_line_add(
    *,
    cart: CartOrMaker,
    access: Access,
    photo: Photo,
    product_id,
    option_ids=(),
    quantity: int | str = 1,
) -> CartLine:
    """Put the visitor's choice of `photo` in the cart (the same line grows if it is there).
    The choice is checked before the cart is asked for."""
    cart_services.buyer_required(access)
    quantity = cart_services.quantity_clean(quantity)
    offer, options = _choice(photo, product_id, option_ids)
    return cart_services.cart_line_add(
        cart=_cart(cart),
        access=access,
        photo=photo,
        product=offer.product,
        options=options,
        quantity=quantity,
    )


def cart_package_add(*, cart: CartOrMaker, access: Access, package_id) -> CartLine:
    """Put one of the gallery's whole-gallery packages in the cart."""
    cart_services.buyer_required(access)
    offer = packages_for_gallery(access.gallery).whole_gallery_get(package_id)
    if offer is None:
        raise NotFound("This package is not sold in this gallery.")
    return cart_services.cart_package_add(cart=_cart(cart), access=access, package=offer.package)


def _line(cart: Cart, line_id) -> CartLine:
    public_id = as_public_id(line_id)
    line = cart_selectors.cart_line_get(cart=cart, public_id=public_id) if public_id else None
    if line is None:
        raise NotFound("That item is no longer in your cart.")
    return line


def cart_line_change(
    *,
    cart: Cart,
    line_id,
    quantity: int | str | None = None,
    option_ids=None,
    saved_for_later: bool | None = None,
) -> CartLine:
    """Change a line of the cart: its quantity, its options (the same rule as adding one), and
    whether it is saved for later. What is not given stays as it is."""
    line = _line(cart, line_id)
    if quantity is not None or option_ids is not None:
        options = None
        if option_ids is not None:
            options = _options_of(line.product, line.product.options.all(), option_ids)
        line = cart_services.cart_line_update(
            cart=cart, line=line, quantity=quantity, options=options
        )
    if saved_for_later is True:
        line = cart_services.cart_line_save_for_later(cart=cart, line=line)
    elif saved_for_later is False:
        line = cart_services.cart_line_move_to_cart(cart=cart, line=line)
    return line


def cart_line_remove(*, cart: Cart, line_id) -> None:
    """Take a line out of the cart."""
    cart_services.cart_line_remove(cart=cart, line=_line(cart, line_id))
