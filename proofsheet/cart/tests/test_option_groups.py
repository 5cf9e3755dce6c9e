"""Required and optional option groups in the cart: one paper needed, the frame may be left out,
and checkout refuses a line that lacks a group that became required."""

from decimal import Decimal

import pytest

from proofsheet.accounts.tests.factories import UserFactory
from proofsheet.cart import services
from proofsheet.cart.checkout import CheckoutError, checkout_place
from proofsheet.cart.models import CartLine
from proofsheet.cart.selectors import cart_pricing
from proofsheet.cart.services import CartError
from proofsheet.cart.tests.support import ADDRESS, make_shop
from proofsheet.catalog import products as catalog_services
from proofsheet.orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    shop = make_shop()
    shop.print.optional_groups = ["Frame"]  # a paper is required, a frame is not
    shop.print.save()
    return shop


@pytest.fixture
def cart():
    return services.cart_get_or_create(session_key="guest-session")


def add(cart, shop, options=(), quantity=1):
    return services.cart_line_add(
        cart=cart, access=shop.access, photo=shop.photos[0], product=shop.print,
        options=options, quantity=quantity,
    )  # fmt: skip


def place(cart, shop):
    return checkout_place(
        cart=cart, email="ann@example.test", shipping_method=shop.shipping,
        shipping_address=ADDRESS,
    )  # fmt: skip


def unit_price(cart) -> Decimal:
    return cart_pricing(cart=cart).lines[0].unit_price


def test_a_required_group_left_out_is_refused(shop, cart):
    with pytest.raises(CartError, match=r"^Choose a paper\.$"):
        add(cart, shop)
    with pytest.raises(CartError, match=r"Choose a paper\."):
        add(cart, shop, options=[shop.frame])
    assert not CartLine.objects.exists()


def test_an_optional_group_may_be_left_out_and_costs_nothing(shop, cart):
    add(cart, shop, options=[shop.lustre])
    assert unit_price(cart) == Decimal("22.50")  # 20.00 + lustre, no frame


def test_choosing_the_optional_group_adds_its_surcharge(shop, cart):
    add(cart, shop, options=[shop.lustre, shop.frame])
    assert unit_price(cart) == Decimal("52.50")  # 20.00 + 2.50 + 30.00


def test_changing_a_lines_options_follows_the_same_rules(shop, cart):
    line = add(cart, shop, options=[shop.lustre, shop.frame])
    with pytest.raises(CartError, match=r"Choose a paper\."):
        services.cart_line_update(cart=cart, line=line, options=[shop.frame])
    assert set(line.options.all()) == {shop.lustre, shop.frame}
    services.cart_line_update(cart=cart, line=line, options=[shop.lustre])  # frame off
    assert list(line.options.all()) == [shop.lustre]
    assert unit_price(cart) == Decimal("22.50")
    services.cart_line_update(cart=cart, line=line, quantity=2)  # options untouched
    assert list(line.options.all()) == [shop.lustre]


def test_lines_with_and_without_the_optional_choice_stay_apart_and_merge(shop, cart):
    add(cart, shop, options=[shop.lustre])
    add(cart, shop, options=[shop.lustre, shop.frame])
    add(cart, shop, options=[shop.lustre], quantity=2)
    assert sorted(line.quantity for line in cart.lines.all()) == [1, 3]

    mine = services.cart_get_or_create(user=UserFactory())
    add(mine, shop, options=[shop.lustre])
    merged = services.cart_merge(guest_cart=cart, user_cart=mine)
    assert sorted(line.quantity for line in merged.lines.all()) == [1, 4]
    # 4 × 22.50 + 52.50, and shipping to FR: 5.00 + 4 × 1.00
    assert place(merged, shop).total == Decimal("151.50")


def test_checkout_refuses_a_line_missing_a_group_that_became_required(shop, cart):
    add(cart, shop, options=[shop.lustre])
    shop.print.optional_groups = []  # the seller makes the frame required
    shop.print.save()

    with pytest.raises(CheckoutError, match=r"Choose a frame for 8x10 print in your cart first\."):
        place(cart, shop)
    assert not Order.objects.exists() and cart.lines.count() == 1

    line = cart.lines.get()
    services.cart_line_update(cart=cart, line=line, options=[shop.lustre, shop.frame])
    assert place(cart, shop).total == Decimal("57.50")  # 52.50 + 5.00 shipping


def test_checkout_refuses_a_line_whose_new_group_has_no_choice(shop, cart):
    add(cart, shop, options=[shop.lustre])
    catalog_services.option_add(product=shop.print, group="Edge", name="Deckled")
    with pytest.raises(CheckoutError, match="Choose an edge for 8x10 print"):
        place(cart, shop)
