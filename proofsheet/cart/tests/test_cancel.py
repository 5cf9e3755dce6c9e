"""Cancelling an order gives back what checkout claimed: limited stock and the code's use."""

from decimal import Decimal

import pytest

from proofsheet.cart import receivers, services
from proofsheet.cart.checkout import OutOfStock, checkout_place, discount_use_release
from proofsheet.cart.models import Discount, DiscountUse
from proofsheet.cart.services import DiscountRejected
from proofsheet.cart.tests.support import ADDRESS, make_discount, make_shop
from proofsheet.catalog.models import Package, Product
from proofsheet.orders.models import OrderEvent, OrderStatus
from proofsheet.orders.services import TransitionNotAllowed, order_cancel, order_transition
from proofsheet.payments.services import payment_mark_received, payment_refund

pytestmark = pytest.mark.django_db
EMAIL = "ann@example.test"


@pytest.fixture
def shop():
    return make_shop()


def a4(shop, stock=None, **fields):
    """A print without options (so no option has to be chosen), `stock` limited or not."""
    return Product.objects.create(
        sheet=shop.sheet, kind="print", name="A4 print", price=Decimal("20"), stock=stock, **fields
    )


def new_cart(name="s0"):
    return services.cart_get_or_create(session_key=name)


def add(cart, shop, product, photo=0, **kw):
    return services.cart_line_add(
        cart=cart, access=shop.access, photo=shop.photos[photo], product=product, **kw
    )


def place(cart, shop, **kw):
    kw.setdefault("email", EMAIL)
    kw.setdefault("shipping_method", shop.shipping)
    kw.setdefault("shipping_address", ADDRESS)
    return checkout_place(cart=cart, **kw)


def stock(product):
    return Product.objects.get(pk=product.pk).stock


def uses(discount):
    return Discount.objects.get(pk=discount.pk).uses


def test_cancelling_a_pending_order_returns_its_stock_to_the_next_buyer(shop):
    a4_print = a4(shop, stock=2)
    first, second = new_cart("s1"), new_cart("s2")
    add(first, shop, a4_print, quantity=2)
    add(second, shop, a4_print, quantity=1)
    order = place(first, shop)
    assert stock(a4_print) == 0
    assert order.lines.get().product == a4_print
    with pytest.raises(OutOfStock, match="sold out"):
        place(second, shop, email="bob@example.test")

    order_cancel(order=order, actor=shop.seller, reason="no reply")

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert stock(a4_print) == 2
    event = order.events.last()
    assert (event.kind, event.from_status, event.to_status, event.actor) == (
        "cancelled",
        "pending",
        "cancelled",
        shop.seller,
    )
    assert event.message == "no reply — Stock returned: 2 × A4 print."
    other = place(second, shop, email="bob@example.test")
    assert other.status == OrderStatus.PENDING
    assert stock(a4_print) == 1


def test_lines_of_one_product_are_returned_together_and_unlimited_stays_unlimited(shop):
    a4_print = a4(shop, stock=10)
    cart = new_cart()
    add(cart, shop, a4_print, quantity=2)
    add(cart, shop, a4_print, photo=1)
    add(cart, shop, shop.digital)
    order = place(cart, shop)
    assert (stock(a4_print), stock(shop.digital)) == (7, None)
    assert [line.product for line in order.lines.all()] == [a4_print, a4_print, shop.digital]

    order_cancel(order=order)

    assert (stock(a4_print), stock(shop.digital)) == (10, None)
    assert order.events.last().message == "Stock returned: 3 × A4 print."
    assert order.events.last().actor is None  # the system cancelled it


def test_an_order_of_unlimited_products_logs_no_stock(shop):
    a4_print = a4(shop)
    cart = new_cart()
    add(cart, shop, a4_print, quantity=2)
    order = place(cart, shop)
    order_cancel(order=order, reason="client asked")
    assert stock(a4_print) is None
    assert order.events.last().message == "client asked"


def test_cancelling_a_paid_order_returns_its_stock(shop):
    a4_print = a4(shop, stock=3)
    cart = new_cart()
    add(cart, shop, a4_print, quantity=2)
    order = place(cart, shop)
    payment_mark_received(order=order, actor=shop.seller, reference="TX")
    assert stock(a4_print) == 1

    order_cancel(order=order, actor=shop.seller)

    assert stock(a4_print) == 3


def test_a_refund_returns_neither_stock_nor_the_code(shop):
    a4_print = a4(shop, stock=3)
    discount = make_discount(shop, "TEN", max_uses=5)
    cart = new_cart()
    add(cart, shop, a4_print, quantity=2)
    services.discount_apply(cart=cart, code="TEN")
    order = place(cart, shop)
    payment_mark_received(order=order, actor=shop.seller, reference="TX")

    payment_refund(order=order, actor=shop.seller, reason="damaged in the post")

    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert stock(a4_print) == 1  # the print may have been made or shipped
    assert uses(discount) == 1 and DiscountUse.objects.filter(order=order).exists()
    assert order.events.last().message == "damaged in the post"


def test_cancelling_gives_back_a_one_use_code_and_the_customers_own_limit(shop):
    discount = make_discount(shop, "ONCE", max_uses=1, max_uses_per_customer=1)
    cart = new_cart()
    add(cart, shop, shop.digital)
    services.discount_apply(cart=cart, code="ONCE", email=EMAIL)
    order = place(cart, shop)
    assert uses(discount) == 1
    add(cart, shop, shop.digital, photo=1)
    with pytest.raises(DiscountRejected, match="used up"):
        services.discount_apply(cart=cart, code="ONCE", email=EMAIL)

    order_cancel(order=order, actor=shop.seller, reason="wrong photo")

    assert uses(discount) == 0
    assert not DiscountUse.objects.filter(discount=discount).exists()
    assert order.events.last().message == "wrong photo — Code ONCE can be used again."
    # The same customer may use it again: neither the total nor their own count holds it back.
    services.discount_apply(cart=cart, code="ONCE", email=EMAIL)
    again = place(cart, shop)
    assert again.discount_code == "ONCE" and again.discount_total == Decimal("1.50")
    assert uses(discount) == 1
    assert DiscountUse.objects.get(discount=discount).order == again


def test_cancelling_twice_is_refused_and_gives_back_nothing_more(shop):
    a4_print = a4(shop, stock=5)
    discount = make_discount(shop, "TEN")
    orders = []
    for n in range(2):
        cart = new_cart(f"s{n}")
        add(cart, shop, a4_print)
        services.discount_apply(cart=cart, code="TEN")
        orders.append(place(cart, shop, email=f"buyer{n}@example.test"))
    assert (stock(a4_print), uses(discount)) == (3, 2)

    order_cancel(order=orders[0])
    events = OrderEvent.objects.filter(order=orders[0]).count()
    with pytest.raises(TransitionNotAllowed):
        order_cancel(order=orders[0])
    with pytest.raises(TransitionNotAllowed):
        order_transition(order=orders[0], to=OrderStatus.REFUNDED)

    assert (stock(a4_print), uses(discount)) == (4, 1)
    assert OrderEvent.objects.filter(order=orders[0]).count() == events
    # Called again directly, the release finds nothing to give back (the other use stays).
    assert discount_use_release(orders[0]) is False
    assert uses(discount) == 1
    assert DiscountUse.objects.get(discount=discount).order == orders[1]


def test_a_failing_give_back_leaves_the_order_as_it_was(shop, monkeypatch):
    a4_print = a4(shop, stock=2)
    discount = make_discount(shop, "TEN")
    cart = new_cart()
    add(cart, shop, a4_print)
    services.discount_apply(cart=cart, code="TEN")
    order = place(cart, shop)

    def broken(order):
        raise RuntimeError("database went away")

    monkeypatch.setattr(receivers, "discount_use_release", broken)
    with pytest.raises(RuntimeError):
        order_cancel(order=order)

    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert (stock(a4_print), uses(discount)) == (1, 1)
    assert not order.events.filter(kind="cancelled").exists()


def test_a_whole_gallery_package_returns_what_its_product_took(shop):
    whole = Product.objects.create(
        sheet=shop.sheet, kind="digital", name="Every photo", resolution="full", price=0, stock=1
    )
    package = Package.objects.create(
        sheet=shop.sheet, name="Whole gallery", price=Decimal("199"), whole_gallery=whole
    )
    cart = new_cart()
    services.cart_package_add(cart=cart, access=shop.access, package=package)
    order = place(cart, shop)
    line = order.lines.get()
    assert (line.product_name, line.product) == ("Whole gallery", whole)
    assert stock(whole) == 0

    order_cancel(order=order)

    assert stock(whole) == 1
    assert order.events.last().message == "Stock returned: 1 × Every photo."


def test_a_product_deleted_since_has_no_stock_to_take_back(shop):
    limited = a4(shop, stock=4)
    cart = new_cart()
    add(cart, shop, limited, quantity=2)
    order = place(cart, shop)
    limited.delete()
    line = order.lines.get()
    assert line.product is None and line.product_name == "A4 print"

    order_cancel(order=order, reason="discontinued")

    assert order.events.last().message == "discontinued"
