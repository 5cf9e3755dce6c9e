"""Abandoned carts are purged: old guest carts and empty account carts go, saved lines stay."""

from datetime import timedelta

import pytest
from django.utils import timezone

from proofsheet.accounts.tests.factories import UserFactory
from proofsheet.cart import services
from proofsheet.cart.models import Cart, CartLine
from proofsheet.cart.tests.support import make_shop

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


@pytest.fixture
def shop():
    return make_shop()


def add(cart, shop, photo=0, **kwargs):
    # The download has no options to choose, so these tests do not depend on option rules.
    return services.cart_line_add(
        cart=cart, access=shop.access, photo=shop.photos[photo], product=shop.digital, **kwargs
    )


def age(cart, by: timedelta, now) -> Cart:
    """Make the cart look last changed `by` before `now` (update() leaves auto_now alone)."""
    Cart.objects.filter(pk=cart.pk).update(updated_at=now - by)
    return cart


def alive(*carts) -> list[bool]:
    return [Cart.objects.filter(pk=c.pk).exists() for c in carts]


def test_old_guest_carts_go_with_their_lines_and_recent_ones_stay(shop):
    now = timezone.now()
    old = services.cart_get_or_create(session_key="gone-for-good")
    add(old, shop, quantity=2).options.add(shop.lustre)  # an option link, to see it go too
    add(old, shop, photo=1)
    old_empty = services.cart_get_or_create(session_key="looked-once")
    recent = services.cart_get_or_create(session_key="still-shopping")
    add(recent, shop)
    age(old, 31 * DAY, now)
    age(old_empty, 90 * DAY, now)
    age(recent, 29 * DAY, now)

    assert services.carts_purge_abandoned(now=now) == 2

    assert alive(old, old_empty, recent) == [False, False, True]
    assert not CartLine.objects.filter(cart_id=old.pk).exists()
    assert CartLine.options.through.objects.count() == 0  # the lustre option's link went too
    assert CartLine.objects.filter(cart=recent).count() == 1


def test_account_carts_with_lines_stay_however_old_and_empty_ones_go(shop):
    now = timezone.now()
    buyer, saver, idle, newcomer = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    with_lines = services.cart_get_or_create(user=buyer)
    add(with_lines, shop)
    saved_only = services.cart_get_or_create(user=saver)
    services.cart_line_save_for_later(cart=saved_only, line=add(saved_only, shop))
    empty_old = services.cart_get_or_create(user=idle)
    empty_new = services.cart_get_or_create(user=newcomer)
    for cart in (with_lines, saved_only, empty_old):
        age(cart, 400 * DAY, now)
    age(empty_new, 5 * DAY, now)

    assert services.carts_purge_abandoned(now=now) == 1

    assert alive(with_lines, saved_only, empty_old, empty_new) == [True, True, False, True]
    # The account gets a fresh cart on its next visit.
    assert services.cart_get_or_create(user=idle).pk != empty_old.pk


def test_the_boundary_is_exactly_cart_guest_days(shop, settings):
    now = timezone.now()
    settings.CART_GUEST_DAYS = 7
    on_the_day = services.cart_get_or_create(session_key="on-the-day")
    a_moment_older = services.cart_get_or_create(session_key="a-moment-older")
    empty_account = services.cart_get_or_create(user=UserFactory())
    age(on_the_day, 7 * DAY, now)
    age(a_moment_older, 7 * DAY + timedelta(seconds=1), now)
    age(empty_account, 7 * DAY, now)

    assert services.carts_purge_abandoned(now=now) == 1
    assert alive(on_the_day, a_moment_older, empty_account) == [True, False, True]

    assert services.carts_purge_abandoned(now=now + timedelta(seconds=1)) == 2
    assert Cart.objects.count() == 0


def test_a_large_backlog_goes_in_batches(shop):
    now = timezone.now()
    carts = [services.cart_get_or_create(session_key=f"visitor-{n}") for n in range(7)]
    add(carts[0], shop)
    for cart in carts:
        age(cart, 60 * DAY, now)
    keep = services.cart_get_or_create(session_key="today")

    assert services.carts_purge_abandoned(now=now, batch_size=3) == 7
    assert list(Cart.objects.all()) == [keep]
    assert services.carts_purge_abandoned(now=now, batch_size=3) == 0


@pytest.mark.parametrize(
    "change",
    ["add_same_line", "add_another_line", "quantity", "save_for_later", "remove_one_of_two"],
)
def test_every_line_change_counts_as_activity(shop, change):
    """A cart is as recent as its last line change, not only its first line."""
    now = timezone.now()
    cart = services.cart_get_or_create(session_key="busy")
    line = add(cart, shop)
    other = add(cart, shop, photo=1)
    age(cart, 60 * DAY, now)

    if change == "add_same_line":
        add(cart, shop)
    elif change == "add_another_line":
        add(cart, shop, photo=2)
    elif change == "quantity":
        services.cart_line_update(cart=cart, line=line, quantity=3)
    elif change == "save_for_later":
        services.cart_line_save_for_later(cart=cart, line=other)
    else:
        services.cart_line_remove(cart=cart, line=other)

    assert services.carts_purge_abandoned(now=now + timedelta(seconds=1)) == 0
    assert alive(cart) == [True]
    # …and it is only kept until it has been left alone for CART_GUEST_DAYS again.
    assert services.carts_purge_abandoned(now=now + 31 * DAY) == 1


def test_a_visitor_whose_cart_was_just_purged_gets_a_clear_message(shop, client):
    from django.urls import reverse

    from proofsheet.cart.session import SESSION_CART

    cart = services.cart_get_or_create(session_key="back-after-a-month")
    add(cart, shop)
    age(cart, 31 * DAY, timezone.now())
    session = client.session
    session[SESSION_CART] = str(cart.public_id)
    session.save()
    services.carts_purge_abandoned()

    with pytest.raises(services.CartError, match="expired"):
        add(cart, shop)  # the request had found the cart just before the purge took it
    page = client.get(reverse("storefront:cart"))  # the next request starts a new cart
    assert page.status_code == 200 and "Your cart is empty" in page.content.decode()
