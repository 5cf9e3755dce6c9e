"""/api/v1 and the studio: cancelling an order gives back its stock and code use, once."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from proofsheet.cart import services
from proofsheet.cart.checkout import checkout_place
from proofsheet.cart.models import Discount
from proofsheet.cart.tests.support import ADDRESS, make_discount, make_shop
from proofsheet.catalog.models import Product
from proofsheet.orders.models import OrderStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def sold():
    """A pending order of 2 of 3 limited prints with a one-use code, and its seller signed in."""
    shop = make_shop()
    a4 = Product.objects.create(
        sheet=shop.sheet, kind="print", name="A4 print", price=Decimal("20"), stock=3
    )
    discount = make_discount(shop, "ONCE", max_uses=1)
    cart = services.cart_get_or_create(session_key="guest")
    services.cart_line_add(
        cart=cart, access=shop.access, photo=shop.photos[0], product=a4, quantity=2
    )
    services.discount_apply(cart=cart, code="ONCE")
    order = checkout_place(
        cart=cart,
        email="ann@example.test",
        shipping_method=shop.shipping,
        shipping_address=ADDRESS,
    )
    client = Client()
    client.force_login(shop.seller)
    return client, order, a4, discount


def counts(a4, discount):
    return (
        Product.objects.get(pk=a4.pk).stock,
        Discount.objects.get(pk=discount.pk).uses,
    )


def test_the_api_cancel_gives_back_stock_and_code_once(sold):
    client, order, a4, discount = sold
    assert counts(a4, discount) == (1, 1)
    url = f"/api/v1/orders/{order.public_id}/cancel"

    response = client.post(url, {"reason": "no reply"}, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["status"] == OrderStatus.CANCELLED
    assert response.json()["events"][-1]["message"] == (
        "no reply — Stock returned: 2 × A4 print. Code ONCE can be used again."
    )
    assert counts(a4, discount) == (3, 0)
    again = client.post(url, {"reason": "again"}, content_type="application/json")
    assert again.status_code == 409
    assert counts(a4, discount) == (3, 0)


def test_the_studio_cancel_gives_back_stock_and_code_and_shows_it_in_the_log(sold):
    client, order, a4, discount = sold
    url = reverse("studio:order_cancel", args=[order.public_id])

    response = client.post(url, {"reason": "no reply"})

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert counts(a4, discount) == (3, 0)
    page = client.get(reverse("studio:order", args=[order.public_id])).content.decode()
    assert "Stock returned: 2 × A4 print." in page
    client.post(url, {"reason": "again"})  # refused with a message; nothing more comes back
    assert counts(a4, discount) == (3, 0)
