"""The photographer hears of each order at once: a studio notification and an email, once."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from proofsheet.cart import services
from proofsheet.cart.checkout import checkout_place
from proofsheet.cart.tests.support import ADDRESS, make_discount, make_shop
from proofsheet.notifications.models import Notification, OutboundEmail

pytestmark = pytest.mark.django_db
BUYER = "ann@example.test"


@pytest.fixture
def shop():
    return make_shop()


@pytest.fixture
def cart():
    return services.cart_get_or_create(session_key="guest-session")


def _seller_mail(shop):
    return [m for m in OutboundEmail.objects.all() if m.to == [shop.seller.email]]


def test_a_placed_order_notifies_the_seller_once_even_when_checkout_is_retried(
    shop, cart, django_capture_on_commit_callbacks
):
    services.cart_line_add(
        cart=cart, access=shop.access, photo=shop.photos[0], product=shop.print,
        options=[shop.lustre], quantity=2,
    )  # fmt: skip
    services.cart_line_add(
        cart=cart, access=shop.access, photo=shop.photos[1], product=shop.digital
    )
    kwargs = {
        "email": BUYER,
        "shipping_method": shop.shipping,
        "shipping_address": ADDRESS,
        "idempotency_key": "checkout-1",
    }
    with django_capture_on_commit_callbacks(execute=True):
        order = checkout_place(cart=cart, **kwargs)
    studio_url = settings.SITE_URL + reverse("studio:order", args=[order.public_id])

    [note] = Notification.objects.filter(user=shop.seller)
    assert order.number in note.message and BUYER in note.message
    assert "66.00 EUR" in note.message  # 2 × 22.50 + 15.00 + 6.00 shipping
    assert note.url == reverse("studio:order", args=[order.public_id])
    assert note.read_at is None

    [mail] = _seller_mail(shop)
    assert order.number in mail.subject and "66.00 EUR" in mail.subject
    assert studio_url in mail.body_text and studio_url in mail.body_html
    assert "2 × 8x10 print (Paper: Lustre)" in mail.body_text
    assert "1 × Full-resolution download" in mail.body_text
    assert "Total: 66.00 EUR" in mail.body_text
    assert "awaiting payment" in mail.body_text
    # The buyer's confirmation is another message, to the buyer.
    assert OutboundEmail.objects.filter(to=[BUYER]).count() == 1

    # A retry with the same key (a double click, a network retry) returns the same order and
    # tells the seller nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        again = checkout_place(cart=cart, **kwargs)
    assert again == order
    assert Notification.objects.filter(user=shop.seller).count() == 1
    assert len(_seller_mail(shop)) == 1


def test_each_order_gets_its_own_alert_and_a_free_one_says_it_is_paid(shop, cart):
    make_discount(shop, "FREE", kind="percent", value=Decimal("100"))
    for key in ("a", "b"):
        services.cart_line_add(
            cart=cart, access=shop.access, photo=shop.photos[0], product=shop.digital
        )
        if key == "b":
            services.discount_apply(cart=cart, code="FREE")
        checkout_place(cart=cart, email=BUYER, idempotency_key=key)
    assert Notification.objects.filter(user=shop.seller).count() == 2
    first, second = sorted(_seller_mail(shop), key=lambda m: m.subject)
    assert "awaiting payment" in first.body_text
    assert "It is paid." in second.body_text


def test_the_alert_is_in_the_studio_and_the_api(shop, cart, client):
    services.cart_line_add(
        cart=cart, access=shop.access, photo=shop.photos[0], product=shop.digital
    )
    order = checkout_place(cart=cart, email=BUYER)
    path = reverse("studio:order", args=[order.public_id])
    client.force_login(shop.seller)

    dashboard = client.get(reverse("studio:dashboard")).content.decode()
    assert f'<a href="{path}">New order {order.number} from {BUYER}' in dashboard

    listed = client.get("/api/v1/notifications").json()
    assert listed["unread"] == 1
    [item] = listed["notifications"]
    assert item["message"].startswith(f"New order {order.number} from {BUYER}")
    assert item["url"] == settings.SITE_URL + path and item["read"] is False
    marked = client.post("/api/v1/notifications/read")
    assert marked.json() == {"marked": 1}
    assert client.get("/api/v1/notifications").json()["unread"] == 0


def test_the_notifications_api_shows_only_your_own(shop, cart, client):
    services.cart_line_add(
        cart=cart, access=shop.access, photo=shop.photos[0], product=shop.digital
    )
    checkout_place(cart=cart, email=BUYER)
    client.force_login(make_shop().seller)
    assert client.get("/api/v1/notifications").json() == {"unread": 0, "notifications": []}
    assert Client().get("/api/v1/notifications").status_code == 401
