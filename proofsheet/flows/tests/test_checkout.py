"""flows.checkout: one submission for the web and the API — addresses, the seller's shipping
methods by id, line addresses, the address book, tax, and the payment's next step."""

import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from proofsheet.accounts.tests.factories import UserFactory
from proofsheet.cart import services
from proofsheet.cart.tests.support import ADDRESS, make_shop
from proofsheet.catalog.models import TaxRule
from proofsheet.core.errors import DomainError
from proofsheet.flows import checkout
from proofsheet.fulfillment.models import ShippingMethod, ShippingRate
from proofsheet.orders.models import Address, Order
from proofsheet.orders.services import order_access_token
from proofsheet.payments.models import Payment
from proofsheet.payments.tests.providers import use_counting_provider

pytestmark = pytest.mark.django_db
EMAIL = "ann@example.test"


@pytest.fixture
def shop():
    return make_shop()


@pytest.fixture
def cart():
    return services.cart_get_or_create(session_key="checkout-buyer")


def add(shop, cart, product=None, photo=0):
    return services.cart_line_add(
        cart=cart, access=shop.access, photo=shop.photos[photo], product=product or shop.print
    )


def submit(shop, cart, **kwargs):
    kwargs.setdefault("email", EMAIL)
    kwargs.setdefault("address", ADDRESS)
    kwargs.setdefault("shipping_method_id", str(shop.shipping.public_id))
    return checkout.checkout_submit(cart=cart, **kwargs)


def refusal(**kwargs) -> DomainError:
    with pytest.raises(DomainError) as refused:
        submit(**kwargs)
    return refused.value


def test_a_print_is_placed_with_the_method_chosen_by_id_and_says_how_to_pay(shop, cart):
    add(shop, cart)

    placed = submit(shop, cart, idempotency_key="k-1")

    order = placed.order
    assert (order.total, order.shipping_method, order.shipping_address["city"]) == (
        Decimal("25.00"),
        "Standard",
        "Lyon",
    )
    assert placed.next_step.kind == "instructions"
    assert f"Reference: {order.number}" in placed.next_step.text


def test_only_the_sellers_usable_methods_are_taken(shop, cart):
    add(shop, cart)
    theirs = ShippingMethod.objects.create(
        owner=UserFactory(), name="Theirs", kind="standard", currency="EUR"
    )
    ShippingRate.objects.create(method=theirs, countries=[], first_item=Decimal(1))
    retired = ShippingMethod.objects.create(
        owner=shop.seller, name="Old", kind="standard", currency="EUR", active=False
    )
    ShippingRate.objects.create(method=retired, countries=[], first_item=Decimal(1))

    for method_id in (theirs.public_id, retired.public_id, uuid.uuid4(), "junk"):
        refused = refusal(shop=shop, cart=cart, shipping_method_id=str(method_id))
        assert refused.code == "shipping_unavailable"
    missing = refusal(shop=shop, cart=cart, shipping_method_id="")
    assert missing.fields == {"shipping_method": ["Choose a shipping method."]}
    assert not Order.objects.exists()


def test_a_saved_address_must_be_the_buyers_own(shop, cart):
    ann, bob = UserFactory(), UserFactory()
    bobs = Address.objects.create(user=bob, **ADDRESS | {"name": "Bob"})
    add(shop, cart)

    refused = refusal(
        shop=shop, cart=cart, customer=ann, address=None, saved_address_id=bobs.public_id
    )
    assert "shipping address" in refused.message

    anns = Address.objects.create(user=ann, **ADDRESS | {"name": "Ann"})
    placed = submit(shop, cart, customer=ann, address=None, saved_address_id=anns.public_id)
    assert placed.order.shipping_address["name"] == "Ann"


def test_a_typed_address_goes_to_the_signed_in_buyers_address_book_when_asked(shop, cart):
    ann = UserFactory()
    add(shop, cart)
    submit(shop, cart, customer=ann, save_address=True, idempotency_key="a")
    add(shop, cart)
    submit(shop, cart, customer=ann, save_address=True, idempotency_key="b")  # kept once
    add(shop, cart)
    submit(shop, cart, customer=ann, idempotency_key="c", address=ADDRESS | {"city": "Paris"})

    assert list(Address.objects.values_list("user", "city")) == [(ann.pk, "Lyon")]


def test_a_line_goes_to_its_own_address_by_its_public_id(shop, cart):
    add(shop, cart)
    gift = add(shop, cart, photo=1)

    placed = submit(
        shop,
        cart,
        line_addresses={str(gift.public_id): ADDRESS | {"name": "Grandma", "country": "DE"}},
    )

    lines = list(placed.order.lines.all())
    assert lines[1].shipping_address["name"] == "Grandma"
    assert placed.order.shipping_total == Decimal("10.00")  # two shipments of one


def test_a_download_needs_no_method_and_its_country_chooses_the_tax(cart):
    shop = make_shop(include_tax=False)
    TaxRule.objects.create(owner=shop.seller, country="DE", physical_rate=19, digital_rate=19)
    add(shop, cart, product=shop.digital)

    placed = submit(shop, cart, address={"country": "de"}, shipping_method_id=None)

    assert (placed.order.tax_total, placed.order.total) == (Decimal("2.85"), Decimal("17.85"))


def test_a_retry_from_the_same_cart_returns_its_order_and_no_other_cart_sees_it(shop, cart):
    add(shop, cart, product=shop.digital)
    first = submit(shop, cart, idempotency_key="twice").order
    stranger = services.cart_get_or_create(session_key="stranger")
    add(shop, stranger, product=shop.digital)

    again = submit(shop, cart, idempotency_key="twice").order  # the cart is empty by now
    theirs = submit(shop, stranger, idempotency_key="twice").order

    assert again == first and theirs != first
    assert Order.objects.count() == 2


def test_the_payment_starts_once_and_no_page_starts_it_again(shop, cart, settings):
    counting = use_counting_provider(settings)
    add(shop, cart, product=shop.digital)

    placed = submit(shop, cart, idempotency_key="once")
    again = submit(shop, cart, idempotency_key="once")

    order = placed.order
    assert counting.starts == 1 and Payment.objects.filter(order=order).count() == 1
    assert placed.next_step == again.next_step and placed.next_step.kind == "redirect"
    assert order.payment_provider == "counting"
    # Every page that shows the next step reads it: the order page by its link, the buyer's
    # API, the seller's studio page and API.
    link = reverse("storefront:order", args=[order_access_token(order)])
    assert Client().get(link).status_code == 200
    seller = Client()
    seller.force_login(shop.seller)
    assert seller.get(reverse("studio:order", args=[order.public_id])).status_code == 200
    assert seller.get(f"/api/v1/orders/{order.public_id}").json()["payment_instructions"] == ""
    assert counting.starts == 1


def test_the_review_prices_each_method_and_chooses_only_the_only_one(shop, cart):
    add(shop, cart)

    review = checkout.checkout_review(cart=cart, address=ADDRESS | {"country": "US"})

    assert review.needs_shipping and review.method == shop.shipping
    assert [(q.method, q.cost) for q in review.methods] == [(shop.shipping, Decimal("12.00"))]
    shop.shipping.rates.filter(countries=[]).delete()
    nowhere = checkout.checkout_review(
        cart=cart, address=ADDRESS | {"country": "US"}, shipping_method_id=shop.shipping.public_id
    )
    assert nowhere.methods[0].cost is None and "does not ship to US" in nowhere.problem
    second = ShippingMethod.objects.create(
        owner=shop.seller, name="Express", kind="express", currency="EUR"
    )
    ShippingRate.objects.create(method=second, countries=[], first_item=Decimal(9))
    assert checkout.checkout_review(cart=cart, address=ADDRESS).method is None  # two: ask
