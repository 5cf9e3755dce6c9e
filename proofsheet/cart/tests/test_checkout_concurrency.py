"""Checkout races (T3a, T3b, T3c, double submit) on PostgreSQL: SQLite serialises writers.

PostgreSQL's connection limit (100 by default) is shared with everything else on the machine,
so the 100 checkouts run on as many parallel connections as it leaves free (up to 100), all
released together by a barrier.
"""

from collections import Counter
from decimal import Decimal

import pytest

from proofsheet.cart import services
from proofsheet.cart.checkout import CheckoutError, OutOfStock, checkout_place
from proofsheet.cart.models import Discount, DiscountUse
from proofsheet.cart.tests.support import ADDRESS, make_discount, make_shop
from proofsheet.catalog.models import Product
from proofsheet.orders.models import Order
from tests.support import run_together

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres_only]


def carts_with(shop, count, product, code=""):
    carts = []
    for n in range(count):
        cart = services.cart_get_or_create(session_key=f"buyer-{n}")
        services.cart_line_add(cart=cart, access=shop.access, photo=shop.photos[0], product=product)
        if code:
            services.discount_apply(cart=cart, code=code)
        carts.append(cart)
    return carts


def test_a_code_limited_to_3_uses_gives_exactly_3_discounted_orders():
    shop = make_shop()
    discount = make_discount(shop, "THREE", max_uses=3)
    carts = carts_with(shop, 100, shop.digital, code="THREE")

    results, errors = run_together(
        100, lambda n: checkout_place(cart=carts[n], email=f"buyer{n}@example.test")
    )

    assert len(results) == 3
    assert all(order.discount_total == Decimal("1.50") for order in results)
    assert Counter(type(e) for e in errors) == {CheckoutError: 97}
    assert all("used up" in str(e) for e in errors)
    assert Discount.objects.get(pk=discount.pk).uses == 3
    assert DiscountUse.objects.filter(discount=discount).count() == 3
    assert Order.objects.filter(discount_code="THREE").count() == 3


def test_the_per_customer_limit_holds_across_parallel_tabs():
    shop = make_shop()
    make_discount(shop, "ONCE", max_uses_per_customer=1)
    carts = carts_with(shop, 10, shop.digital, code="ONCE")

    results, errors = run_together(
        10, lambda n: checkout_place(cart=carts[n], email="same@example.test")
    )

    assert len(results) == 1
    assert len(errors) == 9 and all("already used" in str(e) for e in errors)
    assert Discount.objects.get(code="ONCE").uses == 1


def test_100_buyers_of_the_last_print_make_exactly_one_order():
    shop = make_shop()
    Product.objects.filter(pk=shop.print.pk).update(stock=1)
    carts = carts_with(shop, 100, shop.print)

    def buy(n):
        return checkout_place(
            cart=carts[n],
            email=f"buyer{n}@example.test",
            shipping_method=shop.shipping,
            shipping_address=ADDRESS,
        )

    results, errors = run_together(100, buy)

    assert len(results) == 1
    assert Counter(type(e) for e in errors) == {OutOfStock: 99}
    assert Product.objects.get(pk=shop.print.pk).stock == 0
    assert Order.objects.count() == 1


def test_carts_holding_two_limited_prints_in_opposite_orders_do_not_deadlock():
    shop = make_shop()
    Product.objects.filter(pk__in=[shop.print.pk, shop.digital.pk]).update(stock=100)
    shop.print.refresh_from_db()
    shop.digital.refresh_from_db()
    carts = []
    for n in range(8):
        cart = services.cart_get_or_create(session_key=f"buyer-{n}")
        products = [shop.print, shop.digital] if n % 2 else [shop.digital, shop.print]
        for product in products:
            services.cart_line_add(
                cart=cart, access=shop.access, photo=shop.photos[0], product=product
            )
        carts.append(cart)

    def buy(n):
        return checkout_place(
            cart=carts[n],
            email=f"buyer{n}@example.test",
            shipping_method=shop.shipping,
            shipping_address=ADDRESS,
        )

    results, errors = run_together(8, buy)

    assert errors == []
    assert len(results) == 8
    assert Product.objects.get(pk=shop.print.pk).stock == 92


def test_a_double_submitted_checkout_makes_one_order():
    shop = make_shop()
    Product.objects.filter(pk=shop.print.pk).update(stock=5)
    cart = carts_with(shop, 1, shop.print)[0]

    def submit(_n):
        return checkout_place(
            cart=cart,
            email="ann@example.test",
            shipping_method=shop.shipping,
            shipping_address=ADDRESS,
            idempotency_key="click-1",
        )

    results, errors = run_together(10, submit)

    assert errors == []
    assert len({order.pk for order in results}) == 1
    assert Order.objects.count() == 1
    assert Product.objects.get(pk=shop.print.pk).stock == 4


def test_the_same_key_from_two_carts_at_once_makes_two_orders_each_its_own():
    shop = make_shop()
    carts = carts_with(shop, 2, shop.digital)

    def submit(n):
        return checkout_place(cart=carts[n], email="ann@example.test", idempotency_key="same-key")

    results, errors = run_together(2, submit)

    assert errors == []
    assert len({order.pk for order in results}) == 2
    assert {order.cart_public_id for order in results} == {cart.public_id for cart in carts}
    assert Order.objects.filter(idempotency_key="same-key").count() == 2
