"""Placing an order from a cart, in one transaction (R30, R32, R33).

The cart is priced again from the catalogue at this moment; a discount code's use and any
limited stock are claimed with conditional UPDATEs (so concurrent checkouts cannot overspend
them); the order is recorded with `orders.services.order_create`; the cart is emptied. Locks are
taken in one order — the cart, the limited products by id, the discount code — so two checkouts
never wait on each other crosswise.

Idempotency: an order remembers the cart that placed it and the request's key. The key is looked
up once, under the cart's lock, for this cart only: a retry from the same cart (a double click,
even one that finds the cart emptied by the first) returns the first order, while the same key
from any other cart means nothing (it never reveals another buyer's order).
"""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q

from proofsheet.cart.models import Cart, CartLine, Discount, DiscountUse
from proofsheet.cart.pricing import CartPricing, price_cart
from proofsheet.cart.services import CartError, a_group
from proofsheet.catalog.models import Product
from proofsheet.catalog.selectors import missing_groups
from proofsheet.core.models import as_public_id
from proofsheet.fulfillment.models import ShippingMethod
from proofsheet.fulfillment.shipping import shipping_methods_for_sale
from proofsheet.galleries.models import PhotoStatus
from proofsheet.orders.models import Address, Order
from proofsheet.orders.selectors import order_placed_from
from proofsheet.orders.services import (
    LineSpec,
    Totals,
    order_access_url,
    order_confirmation_send,
    order_create,
    order_seller_notify,
)
from proofsheet.payments.providers import get_provider
from proofsheet.payments.selectors import provider_for
from proofsheet.payments.services import payment_start

ADDRESS_FIELDS = ("name", "line1", "line2", "city", "region", "postcode", "country")
REQUIRED_ADDRESS_FIELDS = {"name": "name", "line1": "street", "city": "city", "country": "country"}
IDEMPOTENCY_KEY_LENGTH = 64


class CheckoutError(CartError):
    """The order cannot be placed; the message says why (for the customer)."""


class OutOfStock(CheckoutError):
    code = "out_of_stock"


def address_clean(
    address: dict | None, *, what: str = "shipping address", postal: bool = True
) -> dict:
    """An address as the order keeps it, or CheckoutError naming what is missing.

    `postal` False (a digital-only order's billing address, which only chooses the tax) needs
    no more than the country.
    """
    if not isinstance(address, dict):
        raise CheckoutError(f"Enter a {what}.")
    clean = {key: str(address.get(key) or "").strip()[:200] for key in ADDRESS_FIELDS}
    clean["country"] = clean["country"].upper()
    required = REQUIRED_ADDRESS_FIELDS if postal else {"country": "country"}
    missing = [label for key, label in required.items() if not clean[key]]
    if missing:
        raise CheckoutError(f"The {what} needs a {', '.join(missing)}.")
    if len(clean["country"]) != 2 or not clean["country"].isalpha():
        raise CheckoutError("Choose the country from the list.")
    return clean


def address_book_save(*, user, address: dict) -> Address:
    """Keep an address in a customer's address book, once."""
    fields = address_clean(address)
    found = Address.objects.filter(user=user, **fields).first()
    return found or Address.objects.create(user=user, **fields)


def shipping_method_for(cart: Cart, method_id) -> ShippingMethod | None:
    """The seller's shipping method `method_id` that this cart can use, or None."""
    public_id = as_public_id(method_id)
    # While the cart has no seller, `cart.seller` is None without a query.
    if public_id is None or (seller := cart.seller) is None:
        return None
    return shipping_methods_for_sale(seller, cart.currency).filter(public_id=public_id).first()


def checkout_place(
    *,
    cart: Cart,
    email: str,
    customer=None,
    shipping_method=None,
    shipping_method_id=None,
    shipping_address: dict | None = None,
    line_addresses: dict | None = None,
    idempotency_key: str = "",
    pay_with: str = "",
) -> Order:
    """Place the cart's order at today's prices and return it (see the module docstring).

    The shipping method is a ShippingMethod or, from an interface, the public id of one of the
    seller's methods (`shipping_method_id`). `shipping_address` is needed when something is
    shipped; for digital-only carts it may be given as the billing address, whose country
    chooses the tax. `line_addresses` sends single lines ({line id: address}) elsewhere.
    The payment provider is the one `payments.selectors.provider_for` names for the seller and
    the buyer's choice `pay_with` ("card" / "offline", or "" for the store's first way).
    """
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise CheckoutError(fields={"email": "Enter a valid email address."}) from None
    idempotency_key = (idempotency_key or "")[:IDEMPOTENCY_KEY_LENGTH]
    with transaction.atomic():
        locked = Cart.objects.select_for_update().filter(pk=cart.pk).first()
        if locked is None:  # housekeeping removed it (idle for weeks) since the page was shown
            raise CheckoutError(
                "Your cart had expired; please add the photos again.", code="cart_empty"
            )
        # Under the cart's lock, so a retry that waited for the first attempt finds its order.
        placed = order_placed_from(cart_public_id=locked.public_id, idempotency_key=idempotency_key)
        if placed is not None:
            return placed
        if shipping_method is None and shipping_method_id:
            shipping_method = shipping_method_for(locked, shipping_method_id)
            if shipping_method is None:
                raise CheckoutError(
                    "That shipping method is not available; choose another.",
                    code="shipping_unavailable",
                )
        return _place(
            cart=locked,
            email=email,
            customer=customer,
            shipping_method=shipping_method,
            shipping_address=shipping_address,
            line_addresses=line_addresses or {},
            idempotency_key=idempotency_key,
            pay_with=pay_with,
        )


def _place(
    *,
    cart: Cart,
    email: str,
    customer,
    shipping_method: ShippingMethod | None,
    shipping_address: dict | None,
    line_addresses: dict,
    idempotency_key: str,
    pay_with: str = "",
) -> Order:
    """Place the order of `cart`, which `checkout_place` has locked (after checking the email)."""
    lines = _lines_to_buy(cart)
    provider = provider_for(cart.seller, pay_with)  # a way the store refuses stops here
    shipped = {line.pk for line in lines if line.ships}
    own_addresses = _own_addresses(lines, shipped, line_addresses)
    address = _order_address(shipped, own_addresses, shipping_address)
    if shipped:
        _check_shipping_method(cart, shipping_method)
    pricing = _price_to_pay(
        cart,
        shipping_method=shipping_method if shipped else None,
        address=address,
        own_addresses=own_addresses,
    )
    # Claimed in the lock order: the cart (held), the limited products by id, then the code.
    _claim_stock(lines)
    discount = _claim_discount(cart, email) if pricing.discount_code else None
    order = _record_order(
        cart,
        pricing,
        email=email,
        customer=customer,
        address=address,
        own_addresses=own_addresses,
        discount=discount,
        idempotency_key=idempotency_key,
        provider=provider,
    )
    _empty_cart(cart, lines)
    _confirm_and_start_payment(order)
    return order


def _lines_to_buy(cart: Cart) -> list[CartLine]:
    """The cart's lines (those saved for later aside), each still for sale as it was chosen."""
    lines = list(
        cart.lines.filter(saved_for_later=False)
        .select_related("product__sheet", "photo", "package")
        .prefetch_related("options", "product__options")
    )
    if not lines:
        raise CheckoutError("Your cart is empty.", code="cart_empty")
    # The cart's seller and currency must be those of what it holds (they price everything).
    if any(
        (line.product.sheet.owner_id, line.product.sheet.currency)
        != (cart.seller_id, cart.currency)
        for line in lines
    ):
        raise CheckoutError(
            "Your cart is out of date; empty it and add the photos again.", code="cart_out_of_date"
        )
    for line in lines:
        if not _for_sale(line):
            raise CheckoutError(
                f"{line.product.name} is no longer for sale; remove it first.", code="not_for_sale"
            )
    for line in lines:  # a group may have become required (or new) since the line was added
        missing = [] if line.package_id else missing_groups(line.product, line.options.all())
        if missing:
            raise CheckoutError(
                f"Choose {a_group(missing[0])} for {line.product.name} in your cart first.",
                code="option_required",
            )
    return lines


def _for_sale(line: CartLine) -> bool:
    """Its product is still offered, and its whole-gallery package or its photo too."""
    if line.package is not None:
        return line.package.active and line.product.active
    return line.product.active and (line.photo is None or line.photo.status == PhotoStatus.READY)


def _own_addresses(
    lines: list[CartLine], shipped: set[int], line_addresses: dict
) -> dict[int, dict]:
    """{line pk: clean address} for the printed lines sent elsewhere (asked by id or public id)."""
    by_key = {str(line.public_id): line.pk for line in lines} | {line.pk: line.pk for line in lines}
    own_addresses = {}
    for key, address in line_addresses.items():
        pk = by_key.get(key if isinstance(key, int) else str(key))
        if pk is None or pk not in shipped:
            raise CheckoutError("Only printed items in your cart can go to their own address.")
        own_addresses[pk] = address_clean(address)
    return own_addresses


def _order_address(
    shipped: set[int], own_addresses: dict, shipping_address: dict | None
) -> dict | None:
    """Where the rest of the order is shipped; with nothing left to ship, the billing address
    if one was given (its country chooses the tax), else None."""
    if shipped - own_addresses.keys():
        return address_clean(shipping_address)
    if shipping_address:
        return address_clean(shipping_address, what="billing address", postal=bool(shipped))
    return None


def _check_shipping_method(cart: Cart, method: ShippingMethod | None) -> None:
    """Something is shipped: by a method of the seller's, active, in the cart's currency."""
    if method is None:
        raise CheckoutError(fields={"shipping_method": "Choose a shipping method."})
    if method.owner_id != cart.seller_id or not method.active or method.currency != cart.currency:
        raise CheckoutError(
            "That shipping method is not available; choose another.",
            code="shipping_unavailable",
        )


def _price_to_pay(
    cart: Cart, *, shipping_method: ShippingMethod | None, address: dict | None, own_addresses: dict
) -> CartPricing:
    """Today's prices for the order; a code that gives nothing any more stops it."""
    # A destination the method does not ship to is refused by pricing (PricingError, an Invalid).
    pricing = price_cart(
        cart, shipping_method=shipping_method, address=address, line_addresses=own_addresses
    )
    if pricing.discount_problem:
        raise CheckoutError(
            f"{pricing.discount_problem} Remove the code to continue.", code="discount_rejected"
        )
    return pricing


def _claim_stock(lines) -> None:
    """Take limited stock with `stock = stock - q WHERE stock >= q`, products in id order."""
    wanted: dict[int, int] = defaultdict(int)
    names = {}
    for line in lines:
        if line.product.stock is not None:
            wanted[line.product_id] += line.quantity
            names[line.product_id] = line.product.name
    for product_id in sorted(wanted):
        quantity = wanted[product_id]
        taken = Product.objects.filter(
            pk=product_id, stock__isnull=False, stock__gte=quantity
        ).update(stock=F("stock") - quantity)
        if not taken:
            left = Product.objects.filter(pk=product_id).values_list("stock", flat=True).first()
            if left is None:  # the seller made it unlimited meanwhile
                continue
            if left == 0:
                raise OutOfStock(f"{names[product_id]} is sold out.")
            raise OutOfStock(f"Only {left} of {names[product_id]} left; change the quantity.")


def _claim_discount(cart: Cart, email: str) -> Discount:
    """Count this order's use of the cart's code, or CheckoutError when none is left.

    The conditional UPDATE takes the code's row lock, so the per-customer count below sees
    every earlier placement with this code that has committed, and none can slip in beside it.
    """
    discount = Discount.objects.filter(owner_id=cart.seller_id, code=cart.discount_code).first()
    if discount is None or not _take_one_use(discount):
        raise CheckoutError(
            f"The code {cart.discount_code} has been used up. Remove the code to continue.",
            code="discount_rejected",
        )
    if discount.max_uses_per_customer is not None:
        used = DiscountUse.objects.filter(discount=discount, email=email).count()
        if used >= discount.max_uses_per_customer:
            raise CheckoutError(
                f"You have already used the code {discount.code}. Remove the code to continue.",
                code="discount_rejected",
            )
    return discount


def _take_one_use(discount: Discount) -> bool:
    """Count one more use of an active `discount` that has one left (False: none left)."""
    taken = (
        Discount.objects.filter(pk=discount.pk, active=True)
        .filter(Q(max_uses__isnull=True) | Q(uses__lt=F("max_uses")))
        .update(uses=F("uses") + 1)
    )
    return bool(taken)


def _record_order(
    cart: Cart,
    pricing: CartPricing,
    *,
    email: str,
    customer,
    address: dict | None,
    own_addresses: dict,
    discount: Discount | None,
    idempotency_key: str,
    provider: str,
) -> Order:
    """The order at `pricing`, and its use of the code (`discount`) if it has one."""
    order = order_create(
        seller=cart.seller,
        customer=customer if customer is not None and customer.is_authenticated else None,
        email=email,
        currency=cart.currency,
        lines=_line_specs(pricing, own_addresses),
        totals=Totals(
            subtotal=pricing.subtotal,
            discount_total=pricing.discount_total,
            shipping_total=pricing.shipping_total,
            tax_total=pricing.tax_total,
            total=pricing.total,
        ),
        prices_include_tax=pricing.prices_include_tax,
        discount_code=pricing.discount_code,
        shipping_method=pricing.shipping_method,
        shipping_address=address or {},
        payment_provider=provider,
        cart_public_id=cart.public_id,
        idempotency_key=idempotency_key,
    )
    if discount is not None:
        DiscountUse.objects.create(discount=discount, order=order, email=email)
    return order


def _empty_cart(cart: Cart, lines: list[CartLine]) -> None:
    """The bought lines leave the cart (lines saved for later stay), and so does its code."""
    cart.lines.filter(pk__in=[line.pk for line in lines]).delete()
    cart.discount_code = ""
    cart.save(update_fields=["discount_code", "updated_at"])


def _confirm_and_start_payment(order: Order) -> None:
    """The confirmation email and the payment's first step (a zero total is paid at once, which
    issues its download links), both queued on commit and once per order; then the seller's
    notice, after `payment_start` so that it says whether the order is paid."""
    takes_cards = get_provider(order.payment_provider).takes_cards
    order_confirmation_send(order, pay_url=order_access_url(order) + "pay/" if takes_cards else "")
    payment_start(order)
    order.refresh_from_db()
    order_seller_notify(order)


def discount_use_release(order: Order) -> bool:
    """Give back the code use `order` claimed (its `DiscountUse` and one of `uses`); once.

    Returns True when a use was given back, False when the order had none (no code, or given
    back already), so a second call changes nothing.
    """
    use = DiscountUse.objects.filter(order=order).first()
    if use is None:
        return False
    # The delete decides which caller gives the use back: a concurrent second one deletes nothing.
    deleted, _ = DiscountUse.objects.filter(pk=use.pk).delete()
    if not deleted:
        return False
    Discount.objects.filter(pk=use.discount_id, uses__gt=0).update(uses=F("uses") - 1)
    return True


def _line_specs(pricing: CartPricing, own_addresses: dict) -> list[LineSpec]:
    return [
        LineSpec(
            product_name=line.name,
            kind=line.kind,
            quantity=line.quantity,
            unit_price=line.unit_price,
            total=line.total,
            discount=line.discount,
            tax=line.tax,
            photo_id=line.photo_id,
            gallery_id=line.gallery_id,
            # Every line, packages too: `_claim_stock` takes a package line's product as well.
            product_id=line.product_id,
            resolution=line.resolution,
            licence=line.licence,
            options=list(line.options),
            shipping_address=own_addresses.get(line.key, {}),
        )
        for line in pricing.lines
    ]
