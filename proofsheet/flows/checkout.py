"""Checkout, written once: reviewing the totals for an address and submitting the order.

The storefront's checkout page and `POST /api/v1/client/checkout` both call `checkout_submit`
with what the buyer sent — an address typed or one of their saved ones, a shipping method by id
(one of the seller's), addresses for single lines, whether to keep the address — and render what
it returns: the order and what the buyer does next to pay (read from the payment `cart.checkout`
started; pages never start one). Prices, tax, stock, codes and the idempotency key are
`cart.checkout`'s rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from proofsheet.cart import selectors as cart_selectors
from proofsheet.cart.checkout import (
    ADDRESS_FIELDS,
    address_book_save,
    checkout_place,
)
from proofsheet.cart.models import Cart
from proofsheet.cart.pricing import CartPricing, PricingError
from proofsheet.core.models import as_public_id
from proofsheet.fulfillment.models import ShippingMethod
from proofsheet.fulfillment.shipping import shipping_methods_for_sale
from proofsheet.orders import selectors as order_selectors
from proofsheet.orders.models import Order
from proofsheet.payments.providers.base import NextStep
from proofsheet.payments.selectors import payment_next_step


@dataclass(frozen=True)
class ShippingQuote:
    method: ShippingMethod
    cost: Decimal | None  # to the address given; None: no country yet, or it does not ship there


@dataclass(frozen=True)
class Review:
    """What the checkout page shows for what the buyer has entered so far."""

    pricing: CartPricing
    needs_shipping: bool
    methods: list[ShippingQuote]
    method: ShippingMethod | None  # the one chosen, or the seller's only one
    address: dict  # the address the totals are for (typed, or a saved one)
    problem: str = ""  # why shipping could not be priced for it ("" when it could)


@dataclass(frozen=True)
class Placed:
    order: Order
    next_step: NextStep  # what the buyer does next to pay (kind "none" when nothing)


def _typed(address: dict | None) -> dict:
    return {key: str((address or {}).get(key) or "").strip()[:200] for key in ADDRESS_FIELDS}


def checkout_address(*, customer, address: dict | None, saved_address_id=None) -> dict:
    """The address the buyer chose: one of their saved addresses (by id) or what they typed."""
    public_id = as_public_id(saved_address_id) if saved_address_id else None
    if public_id is not None and customer is not None:
        saved = next(
            (a for a in order_selectors.addresses_of(customer) if a.public_id == public_id), None
        )
        if saved is not None:
            return {key: getattr(saved, key) for key in ADDRESS_FIELDS}
    return _typed(address)


def _by_line_pk(cart: Cart, line_addresses: dict | None) -> dict:
    """{line public id: address} as {line pk: address} for pricing (unknown lines are left out;
    placing refuses them)."""
    if not line_addresses:
        return {}
    pks = {str(line.public_id): line.pk for line in cart_selectors.cart_line_list(cart=cart)}
    return {pks[str(key)]: value for key, value in line_addresses.items() if str(key) in pks}


def shipping_quotes(
    *, cart: Cart, address: dict | None, line_addresses: dict | None = None
) -> list[ShippingQuote]:
    """The seller's shipping methods this cart can use, each with its cost to `address`."""
    seller = cart.seller
    if seller is None:  # an empty cart belongs to no seller yet
        return []
    destinations = _by_line_pk(cart, line_addresses)
    quotes = []
    for method in shipping_methods_for_sale(seller, cart.currency):
        cost = None
        if address and address.get("country"):
            try:
                cost = cart_selectors.cart_pricing(
                    cart=cart,
                    shipping_method=method,
                    address=address,
                    line_addresses=destinations,
                ).shipping_total
            except PricingError:  # this method does not ship there: shown as such
                cost = None
        quotes.append(ShippingQuote(method=method, cost=cost))
    return quotes


def checkout_review(
    *,
    cart: Cart,
    customer=None,
    address: dict | None = None,
    saved_address_id=None,
    shipping_method_id=None,
    line_addresses: dict | None = None,
) -> Review:
    """The totals, shipping methods and their costs for what the buyer has entered so far."""
    chosen = checkout_address(customer=customer, address=address, saved_address_id=saved_address_id)
    needs_shipping = cart_selectors.cart_needs_shipping(cart=cart)
    methods = shipping_quotes(cart=cart, address=chosen, line_addresses=line_addresses)
    methods = methods if needs_shipping else []
    wanted = as_public_id(shipping_method_id) if shipping_method_id else None
    method = next((q.method for q in methods if q.method.public_id == wanted), None)
    if method is None and len(methods) == 1:  # the only way it can go
        method = methods[0].method
    problem = ""
    try:
        pricing = cart_selectors.cart_pricing(
            cart=cart,
            shipping_method=method if needs_shipping else None,
            address=chosen if chosen.get("country") else None,
            line_addresses=_by_line_pk(cart, line_addresses),
        )
    except PricingError as refused:  # shown beside totals without shipping
        problem = refused.message
        pricing = cart_selectors.cart_pricing(cart=cart)
    return Review(
        pricing=pricing,
        needs_shipping=needs_shipping,
        methods=methods,
        method=method,
        address=chosen,
        problem=problem,
    )


def checkout_submit(
    *,
    cart: Cart,
    email: str,
    customer=None,
    address: dict | None = None,
    saved_address_id=None,
    shipping_method_id=None,
    line_addresses: dict | None = None,
    save_address: bool = False,
    idempotency_key: str = "",
    pay_with: str = "",
) -> Placed:
    """Place the cart's order and say what the buyer does next to pay.

    A repeated `idempotency_key` from the same cart returns the first order (also once the
    first request has emptied the cart). `save_address` keeps a typed shipping address in a
    signed-in buyer's address book. `pay_with` is the buyer's choice ("card" / "offline")
    when the store allows both (`payments.selectors.payment_choices`).
    """
    chosen = checkout_address(customer=customer, address=address, saved_address_id=saved_address_id)
    order = checkout_place(
        cart=cart,
        email=email,
        customer=customer,
        shipping_method_id=shipping_method_id,
        shipping_address=chosen if any(chosen.values()) else None,
        line_addresses={str(key): value for key, value in (line_addresses or {}).items()},
        idempotency_key=idempotency_key,
        pay_with=pay_with,
    )
    typed = saved_address_id in (None, "", "new") or chosen == _typed(address)
    signed_in = customer is not None and customer.is_authenticated
    # The order's own copy: checked as a full postal address whenever something ships.
    if save_address and signed_in and typed and order.shipping_address and order.needs_shipping:
        address_book_save(user=customer, address=order.shipping_address)
    return Placed(order=order, next_step=payment_next_step(order))
