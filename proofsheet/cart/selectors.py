"""Reading carts: lines for display and the cart's prices (always computed here, never stored)."""

from __future__ import annotations

from proofsheet.cart.models import Cart, CartLine, Discount
from proofsheet.cart.pricing import CartPricing, price_cart


def cart_get(*, user=None, session_key: str = "") -> Cart | None:
    """The account's cart or the session's guest cart, without making one."""
    if user is not None and user.is_authenticated:
        return Cart.objects.filter(user=user).first()
    if not session_key:
        return None
    return Cart.objects.filter(user__isnull=True, session_key=session_key).first()


def cart_line_list(*, cart: Cart, saved_for_later: bool = False) -> list[CartLine]:
    """The cart's lines (or its saved-for-later ones) with what a page shows about them."""
    return list(
        cart.lines.filter(saved_for_later=saved_for_later)
        .select_related("product", "photo", "package", "gallery")
        .prefetch_related("options")
        .order_by("created_at", "id")
    )


def cart_needs_shipping(*, cart: Cart) -> bool:
    """Whether something the cart will buy is posted (the checkout asks where and how)."""
    return any(
        line.ships for line in cart.lines.filter(saved_for_later=False).select_related("product")
    )


def cart_line_get(*, cart: Cart, public_id) -> CartLine | None:
    """One line of this cart by its public id (another cart's line is None: a 404)."""
    return cart.lines.filter(public_id=public_id).first()


def cart_pricing(
    *, cart: Cart, shipping_method=None, address: dict | None = None, line_addresses=None
) -> CartPricing:
    """The cart's prices now: lines, package deals, discount, shipping, tax and total."""
    return price_cart(
        cart, shipping_method=shipping_method, address=address, line_addresses=line_addresses
    )


def cart_discount(*, cart: Cart) -> Discount | None:
    if not cart.discount_code or cart.seller_id is None:
        return None
    return Discount.objects.filter(owner_id=cart.seller_id, code=cart.discount_code).first()
