"""Cancellations racing each other and new checkouts, on PostgreSQL (SQLite serialises writers)."""

from decimal import Decimal

import pytest

from proofsheet.cart import services
from proofsheet.cart.checkout import CheckoutError, checkout_place
from proofsheet.cart.models import Discount, DiscountUse
from proofsheet.cart.tests.support import ADDRESS, make_discount, make_shop
from proofsheet.catalog.models import Product
from proofsheet.orders.models import Order, OrderStatus
from proofsheet.orders.services import TransitionNotAllowed, order_cancel
from tests.support import run_together

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres_only]


def cart_of(shop, name, product, code="CODE"):
    cart = services.cart_get_or_create(session_key=name)
    services.cart_line_add(cart=cart, access=shop.access, photo=shop.photos[0], product=product)
    services.discount_apply(cart=cart, code=code)
    return cart


def buy(shop, cart, n):
    return checkout_place(
        cart=cart,
        email=f"buyer{n}@example.test",
        shipping_method=shop.shipping,
        shipping_address=ADDRESS,
    )


def test_ten_parallel_cancels_of_one_order_give_back_once():
    shop = make_shop()
    a4 = Product.objects.create(
        sheet=shop.sheet, kind="print", name="A4 print", price=Decimal("20"), stock=4
    )
    discount = make_discount(shop, "CODE", max_uses=2)
    order = buy(shop, cart_of(shop, "one", a4), 0)
    buy(shop, cart_of(shop, "two", a4), 1)

    results, errors = run_together(10, lambda n: order_cancel(order=order))

    assert len(results) == 1
    assert len(errors) == 9 and all(isinstance(e, TransitionNotAllowed) for e in errors)
    assert Product.objects.get(pk=a4.pk).stock == 3
    assert Discount.objects.get(pk=discount.pk).uses == 1
    assert order.events.filter(kind="cancelled").count() == 1


def test_cancels_racing_checkouts_keep_stock_and_uses_equal_to_the_live_orders():
    shop = make_shop()
    a4 = Product.objects.create(
        sheet=shop.sheet, kind="print", name="A4 print", price=Decimal("20"), stock=5
    )
    discount = make_discount(shop, "CODE", max_uses=5)
    waiting = [cart_of(shop, f"waiting-{n}", a4) for n in range(20)]  # filled while in stock
    placed = [buy(shop, cart_of(shop, f"first-{n}", a4), 100 + n) for n in range(5)]
    assert (Product.objects.get(pk=a4.pk).stock, Discount.objects.get(pk=discount.pk).uses) == (
        0,
        5,
    )

    def work(n):
        if n < 5:
            return order_cancel(order=placed[n])
        return buy(shop, waiting[n - 5], n)

    results, errors = run_together(25, work)

    # Only sold-out or used-up refusals; never a deadlock or a constraint broken.
    assert all(isinstance(e, CheckoutError) for e in errors), errors
    assert len(results) == 25 - len(errors)
    live = Order.objects.filter(status=OrderStatus.PENDING).count()
    assert live <= 5  # how many get in depends on timing; the counts must match it
    assert Product.objects.get(pk=a4.pk).stock == 5 - live
    assert Discount.objects.get(pk=discount.pk).uses == live
    assert DiscountUse.objects.filter(discount=discount).count() == live
    assert Order.objects.filter(status=OrderStatus.CANCELLED).count() == 5
