"""Before the buyer's country is known, the tax is not a number to show: the cart says it is
calculated at checkout and the checkout asks for the country (the API: test_shop_api)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from proofsheet.cart.pricing import LineInput, compute
from proofsheet.cart.tests.support import make_shop
from proofsheet.catalog.models import TaxRule
from proofsheet.orders.models import Order
from proofsheet.storefront.tests.test_shop import EMAIL, buy, checkout_data, page, with_address

pytestmark = pytest.mark.django_db
PENDING_CART = "<dt>Tax (included)</dt><dd>Calculated at checkout</dd>"
PENDING_CHECKOUT = "<dt>Tax (included)</dt><dd>Calculated once you choose your country</dd>"


@pytest.fixture
def shop():
    shop = make_shop()
    TaxRule.objects.create(
        owner=shop.seller, country="FR", physical_rate=Decimal(20), digital_rate=Decimal(20)
    )
    return shop


def test_compute_says_whether_the_tax_is_known():
    line = LineInput(
        key=1, product_id=1, name="8x10", kind="print", base_price=Decimal(12), quantity=1
    )
    rates = {("FR", ""): (Decimal(20), Decimal(20))}
    unknown = compute(currency="EUR", lines=[line], tax_rates=rates)
    assert not unknown.tax_calculated and unknown.tax_total == 0
    known = compute(currency="EUR", lines=[line], tax_rates=rates, destination=("FR", ""))
    assert known.tax_calculated and known.tax_total == Decimal("2.00")
    # Its own address is a destination too; no rule at all makes the tax 0 anywhere.
    own = LineInput(**{**vars(line), "destination": ("US", "")})
    assert compute(currency="EUR", lines=[own], tax_rates=rates).tax_calculated
    assert compute(currency="EUR", lines=[line]).tax_calculated


def test_the_cart_says_the_tax_is_calculated_at_checkout(client, shop):
    buy(client, shop)
    html = page(client.get(reverse("storefront:cart")))
    assert PENDING_CART in html
    assert "<dd>0.00 EUR</dd>" not in html
    # Without any rule the tax is 0 wherever the buyer is: that is known, and shown.
    TaxRule.objects.filter(owner=shop.seller).delete()
    html = page(client.get(reverse("storefront:cart")))
    assert "<dt>Tax (included)</dt><dd>0.00 EUR</dd>" in html


def test_exclusive_prices_say_the_total_is_before_tax(client):
    shop = make_shop(include_tax=False)
    TaxRule.objects.create(owner=shop.seller, country="FR", physical_rate=20, digital_rate=20)
    buy(client, shop)
    html = page(client.get(reverse("storefront:cart")))
    assert "<dt>Tax</dt><dd>Calculated at checkout</dd>" in html
    assert "Total before tax" in html


def test_the_checkout_shows_the_tax_once_the_country_is_chosen(client, shop):
    buy(client, shop)
    url = reverse("storefront:checkout")
    assert PENDING_CHECKOUT in page(client.get(url))

    review = client.post(url, {**with_address(shop), "action": "review"})
    html = page(review)
    assert PENDING_CHECKOUT not in html
    assert "<dt>Tax (included)</dt><dd>3.33 EUR</dd>" in html  # 20.00 incl. 20 % (not shipping)


def test_a_download_checkout_asks_for_the_country_that_decides_its_tax(client, shop):
    buy(client, shop, product=shop.digital)
    url = reverse("storefront:checkout")
    form = page(client.get(url))
    assert "Country (it decides the tax)" in form and PENDING_CHECKOUT in form
    assert "Shipping address" not in form

    review = page(client.post(url, {**checkout_data(shop), "action": "review", "country": "FR"}))
    assert "<dt>Tax (included)</dt><dd>2.50 EUR</dd>" in review  # 15.00 incl. 20 %
    placed = client.post(url, checkout_data(shop, country="FR"))
    assert placed.status_code == 302
    order = Order.objects.get()
    assert order.tax_total == Decimal("2.50") and order.shipping_address["country"] == "FR"
    assert order.email == EMAIL

    # A shop without tax rules does not ask.
    TaxRule.objects.filter(owner=shop.seller).delete()
    buy(client, shop, product=shop.digital)
    form = page(client.get(url))
    assert "Country (it decides the tax)" not in form
    assert "<dt>Tax (included)</dt><dd>0.00 EUR</dd>" in form
