"""Placing an order: server-side prices, addresses, stock, codes, idempotency (R30–R33)."""

from decimal import Decimal

import pytest

from proofsheet.accounts.tests.factories import UserFactory
from proofsheet.cart import services
from proofsheet.cart.checkout import CheckoutError, OutOfStock, checkout_place
from proofsheet.cart.models import Cart, CartLine, Discount, DiscountUse
from proofsheet.cart.tests.support import ADDRESS, make_discount, make_shop
from proofsheet.catalog.models import Product, TaxRule
from proofsheet.core.errors import Invalid
from proofsheet.fulfillment.models import ShippingMethod
from proofsheet.orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db
EMAIL = "ann@example.test"


@pytest.fixture
def shop():
    return make_shop()


@pytest.fixture
def cart():
    return services.cart_get_or_create(session_key="guest-session")


def add(cart, shop, product=None, photo=0, **kw):
    return services.cart_line_add(
        cart=cart, access=shop.access, photo=shop.photos[photo], product=product or shop.print,
        **kw,
    )  # fmt: skip


def place(cart, shop, **kw):
    kw.setdefault("email", EMAIL)
    kw.setdefault("shipping_method", shop.shipping)
    kw.setdefault("shipping_address", ADDRESS)
    return checkout_place(cart=cart, **kw)


def test_a_print_and_a_download_make_one_pending_order_and_empty_the_cart(shop, cart):
    add(cart, shop, options=[shop.lustre], quantity=2)
    add(cart, shop, product=shop.digital)
    order = place(cart, shop, idempotency_key="k1")
    assert order.status == OrderStatus.PENDING
    assert (order.seller, order.email, order.currency) == (shop.seller, EMAIL, "EUR")
    assert order.subtotal == Decimal("60.00")
    assert order.shipping_total == Decimal("6.00")  # FR: 5 + 1 more
    assert order.total == Decimal("66.00")
    assert order.shipping_method == "Standard"
    assert order.shipping_address["country"] == "FR"
    lines = list(order.lines.all())
    assert [(x.product_name, x.quantity, x.unit_price, x.total) for x in lines] == [
        ("8x10 print", 2, Decimal("22.50"), Decimal("45.00")),
        ("Full-resolution download", 1, Decimal("15.00"), Decimal("15.00")),
    ]
    assert lines[0].options == ["Paper: Lustre"]
    assert lines[0].photo_id == shop.photos[0].pk and lines[0].gallery_id == shop.gallery.pk
    assert not CartLine.objects.filter(cart=cart).exists()
    # Placed, the confirmation email queued, a pending offline payment waiting for the seller.
    assert [e.kind for e in order.events.all()] == [
        "placed",
        "confirmation_sent",
        "seller_notified",
    ]
    assert order.status == OrderStatus.PENDING
    assert [(p.provider, p.status) for p in order.payments.all()] == [("offline", "pending")]


def test_the_checkout_charges_the_price_of_now_not_of_when_it_was_added(shop, cart):
    add(cart, shop, product=shop.digital)
    Product.objects.filter(pk=shop.digital.pk).update(price=Decimal("99.00"))
    order = place(cart, shop)
    assert order.total == Decimal("99.00")


def test_prices_and_currency_never_come_from_the_caller(shop, cart):
    add(cart, shop, product=shop.digital)
    with pytest.raises(TypeError):
        checkout_place(cart=cart, email=EMAIL, total=Decimal("0.01"))
    with pytest.raises(TypeError):
        checkout_place(cart=cart, email=EMAIL, currency="JPY")
    # A cart row whose currency no longer matches its price sheet is not priced in it.
    Cart.objects.filter(pk=cart.pk).update(currency="JPY")
    with pytest.raises(CheckoutError, match="out of date"):
        place(cart, shop)
    Cart.objects.filter(pk=cart.pk).update(currency="EUR")
    assert place(cart, shop).total == Decimal("15.00")


def test_empty_cart_and_missing_details_are_refused(shop, cart):
    with pytest.raises(CheckoutError, match="empty"):
        place(cart, shop)
    add(cart, shop)
    with pytest.raises(CheckoutError, match="valid email"):
        place(cart, shop, email="not-an-email")
    with pytest.raises(CheckoutError, match="shipping address"):
        place(cart, shop, shipping_address=None)
    with pytest.raises(CheckoutError, match="needs a street, city"):
        place(cart, shop, shipping_address={"name": "Ann", "country": "FR"})
    with pytest.raises(CheckoutError, match="shipping method"):
        place(cart, shop, shipping_method=None)
    foreign = ShippingMethod.objects.create(owner=UserFactory(), name="X", kind="standard")
    with pytest.raises(CheckoutError, match="not available"):
        place(cart, shop, shipping_method=foreign)
    shop.shipping.rates.filter(countries=[]).delete()
    with pytest.raises(Invalid, match="does not ship to US") as refused:
        place(cart, shop, shipping_address=ADDRESS | {"country": "US"})
    assert refused.value.code == "shipping_unavailable"
    assert not Order.objects.exists()
    assert cart.lines.count() == 1


def test_digital_only_orders_need_no_address(shop, cart):
    add(cart, shop, product=shop.digital)
    order = checkout_place(cart=cart, email=EMAIL)
    assert order.shipping_total == 0 and order.shipping_address == {}


def test_a_digital_only_orders_country_chooses_its_tax(cart):
    shop = make_shop(include_tax=False)
    TaxRule.objects.create(owner=shop.seller, country="DE", physical_rate=19, digital_rate=19)
    add(cart, shop, product=shop.digital)
    order = checkout_place(cart=cart, email=EMAIL, shipping_address={"country": "de"})
    assert (order.tax_total, order.total) == (Decimal("2.85"), Decimal("17.85"))
    assert order.shipping_address["country"] == "DE"


def test_a_line_can_go_to_its_own_address(shop, cart):
    first = add(cart, shop)
    second = add(cart, shop, photo=1)
    gift = ADDRESS | {"name": "Grandma", "country": "DE"}
    order = place(cart, shop, line_addresses={second.pk: gift})
    assert order.shipping_total == Decimal("10.00")  # two shipments of one
    lines = list(order.lines.all())
    assert lines[0].shipping_address == {} and lines[1].shipping_address["name"] == "Grandma"
    assert first.pk != second.pk
    add(cart, shop, product=shop.digital)
    with pytest.raises(CheckoutError, match="Only printed items"):
        place(cart, shop, line_addresses={cart.lines.get().pk: gift})


def test_tax_exclusive_store_adds_tax_per_destination(cart):
    shop = make_shop(include_tax=False)
    TaxRule.objects.create(owner=shop.seller, country="FR", physical_rate=20, digital_rate=20)
    add(cart, shop)
    order = place(cart, shop)
    assert order.tax_total == Decimal("4.00")
    assert order.total == Decimal("29.00")  # 20 + 5 shipping + 4 tax
    assert not order.prices_include_tax


def test_discount_use_is_claimed_and_logged(shop, cart):
    discount = make_discount(shop, "TEN", max_uses=1)
    add(cart, shop, product=shop.digital)
    services.discount_apply(cart=cart, code="TEN")
    order = place(cart, shop)
    assert (order.discount_code, order.discount_total, order.total) == (
        "TEN",
        Decimal("1.50"),
        Decimal("13.50"),
    )
    assert Discount.objects.get(pk=discount.pk).uses == 1
    assert DiscountUse.objects.get(discount=discount).order == order
    assert Cart.objects.get(pk=cart.pk).discount_code == ""


def test_a_code_used_up_since_it_was_applied_is_refused_at_placement(shop, cart):
    discount = make_discount(shop, "TEN", max_uses=1)
    add(cart, shop, product=shop.digital)
    services.discount_apply(cart=cart, code="TEN")
    Discount.objects.filter(pk=discount.pk).update(uses=1)
    with pytest.raises(CheckoutError, match="used up"):
        place(cart, shop)
    assert not Order.objects.exists()


def test_min_order_is_checked_again_at_placement(shop, cart):
    make_discount(shop, "MIN", min_order=Decimal("20"))
    add(cart, shop)
    services.discount_apply(cart=cart, code="MIN")
    Product.objects.filter(pk=shop.print.pk).update(price=Decimal("10"))
    with pytest.raises(CheckoutError, match=r"at least 20\.00 EUR"):
        place(cart, shop)


def test_per_customer_limit_holds_at_placement(shop):
    make_discount(shop, "ONCE", max_uses_per_customer=1)
    carts = [services.cart_get_or_create(session_key=f"tab-{n}") for n in range(2)]
    for cart in carts:  # two tabs apply the code before either places
        add(cart, shop, product=shop.digital)
        services.discount_apply(cart=cart, code="ONCE", email=EMAIL)
    place(carts[0], shop)
    with pytest.raises(CheckoutError, match="already used"):
        place(carts[1], shop)
    assert Discount.objects.get(code="ONCE").uses == 1


def test_limited_stock_is_decremented_and_never_oversold(shop):
    Product.objects.filter(pk=shop.print.pk).update(stock=2)
    first, second = (services.cart_get_or_create(session_key=f"s{n}") for n in range(2))
    add(first, shop, quantity=2)
    add(second, shop, quantity=1)
    place(first, shop)
    assert Product.objects.get(pk=shop.print.pk).stock == 0
    with pytest.raises(OutOfStock, match="sold out"):
        place(second, shop)
    assert Order.objects.count() == 1


def test_a_refused_placement_leaves_stock_and_code_untouched(shop, cart):
    Product.objects.filter(pk=shop.print.pk).update(stock=5)
    discount = make_discount(shop, "TEN", max_uses=3)
    add(cart, shop, quantity=2)
    services.discount_apply(cart=cart, code="TEN")
    shop.shipping.rates.filter(countries=[]).delete()
    with pytest.raises(Invalid, match="does not ship to US"):
        place(cart, shop, shipping_address=ADDRESS | {"country": "US"})
    add(cart, shop, photo=1, product=shop.digital)
    Product.objects.filter(pk=shop.digital.pk).update(active=False)
    with pytest.raises(CheckoutError, match="no longer for sale"):
        place(cart, shop)
    assert Product.objects.get(pk=shop.print.pk).stock == 5
    assert Discount.objects.get(pk=discount.pk).uses == 0


def test_a_retried_idempotency_key_returns_the_first_order(shop, cart):
    add(cart, shop)
    first = place(cart, shop, idempotency_key="once")
    again = place(cart, shop, idempotency_key="once")
    assert again == first
    assert Order.objects.count() == 1


def test_a_key_repeated_from_another_cart_never_returns_the_first_order(shop, cart):
    add(cart, shop, product=shop.digital)
    first = checkout_place(cart=cart, email=EMAIL, idempotency_key="k-1")
    stranger = services.cart_get_or_create(session_key="stranger")

    # An empty cart with the first order's email and key: nothing to place, nothing shown.
    with pytest.raises(CheckoutError, match="empty") as refused:
        checkout_place(cart=stranger, email=EMAIL, idempotency_key="k-1")
    assert refused.value.code == "cart_empty"
    # A full one: an order of its own.
    add(stranger, shop, product=shop.digital, photo=1)
    theirs = checkout_place(cart=stranger, email=EMAIL, idempotency_key="k-1")

    assert theirs.pk != first.pk and theirs.number != first.number
    assert (first.cart_public_id, theirs.cart_public_id) == (cart.public_id, stranger.public_id)
    # The first cart's retry still finds its own order, even though the cart is empty now.
    assert checkout_place(cart=cart, email=EMAIL, idempotency_key="k-1") == first
    assert Order.objects.count() == 2


def test_a_zero_total_order_is_paid_at_once(shop, cart):
    make_discount(shop, "FREE", kind="percent", value=Decimal("100"))
    add(cart, shop, product=shop.digital)
    services.discount_apply(cart=cart, code="FREE")
    order = checkout_place(cart=cart, email=EMAIL, customer=UserFactory())
    assert order.total == 0
    assert order.status == OrderStatus.PAID and order.paid_at is not None
    assert [e.kind for e in order.events.all()] == [
        "placed",
        "confirmation_sent",
        "paid",
        "seller_notified",
    ]
    assert not order.payments.exists()  # nothing to pay, nothing to record
    assert order.customer is not None


def test_jpy_order_in_whole_yen(cart):
    shop = make_shop(currency="JPY")
    Product.objects.filter(pk=shop.digital.pk).update(price=Decimal("1500"))
    make_discount(shop, "TEN")
    add(cart, shop, product=shop.digital, quantity=3)
    services.discount_apply(cart=cart, code="TEN")
    order = checkout_place(cart=cart, email=EMAIL)
    assert (order.subtotal, order.discount_total, order.total) == (
        Decimal("4500"),
        Decimal("450"),
        Decimal("4050"),
    )


def _queries_to_place(lines: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    shop = make_shop(photos=lines)
    cart = services.cart_get_or_create(session_key=f"queries-{lines}")
    for n in range(lines):
        add(cart, shop, photo=n, options=[shop.lustre])
    with CaptureQueriesContext(connection) as queries:
        place(cart, shop)
    return len(queries)


def test_placing_costs_the_same_queries_for_two_lines_or_eight():
    assert _queries_to_place(8) == _queries_to_place(2)
