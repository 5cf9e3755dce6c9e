"""/api/v1/client shopping: offers, quotes, the cart by token or account, codes, checkout."""

from decimal import Decimal
from uuid import uuid4

import pytest
from django.test import Client

from proofsheet.accounts.tests.factories import PASSWORD, UserFactory
from proofsheet.cart.models import Cart, CartLine
from proofsheet.cart.tests.support import ADDRESS, make_discount, make_shop
from proofsheet.catalog.models import TaxRule
from proofsheet.galleries import access
from proofsheet.galleries.models import Visibility
from proofsheet.orders.models import Address, Order, OrderStatus

pytestmark = pytest.mark.django_db
API = "/api/v1/client"
EMAIL = "ann@example.test"


@pytest.fixture
def shop():
    return make_shop()


def app() -> Client:
    """An app: no cookies, and CSRF enforced as a browser would have it."""
    return Client(enforce_csrf_checks=True)


def photo_path(shop, rest="", photo=0):
    return f"{API}/galleries/{shop.gallery.public_id}/photos/{shop.photos[photo].public_id}{rest}"


def add(c, shop, product=None, token=None, photo=0, headers=None, **body):
    product = product or shop.digital
    payload = {
        "gallery_id": str(shop.gallery.public_id),
        "photo_id": str(shop.photos[photo].public_id),
        "product_id": str(product.public_id),
        **body,
    }
    headers = dict(headers or {})
    if token:
        headers["X-Cart-Token"] = token
    return c.post(f"{API}/cart/lines", payload, content_type="application/json", headers=headers)


def cart_headers(token):
    return {"X-Cart-Token": token}


def test_offers_and_a_quote_come_from_the_server(shop):
    offers = app().get(photo_path(shop, "/offers"))
    quote = app().get(
        photo_path(shop, "/quote"),
        {
            "product_id": str(shop.print.public_id),
            "option_ids": [str(shop.lustre.public_id), str(shop.frame.public_id)],
            "quantity": 2,
            "price": "1",
        },
    )

    assert offers.status_code == 200
    by_name = {o["name"]: o for o in offers.json()}
    assert by_name["8x10 print"]["price"] == "20.00" and by_name["8x10 print"]["currency"] == "EUR"
    assert {o["name"] for o in by_name["8x10 print"]["options"]} == {"Lustre", "Black oak"}
    assert quote.status_code == 200
    assert quote.json() | {"product_id": ""} == {
        "product_id": "",
        "quantity": 2,
        "unit_price": "52.50",
        "total": "105.00",
        "currency": "EUR",
    }
    too_many = app().get(
        photo_path(shop, "/quote"), {"product_id": str(shop.print.public_id), "quantity": 100}
    )
    assert too_many.status_code == 422 and "between 1 and 99" in too_many.json()["message"]


def test_a_guest_cart_is_made_and_named_by_its_token(shop):
    c = app()
    first = add(c, shop)

    assert first.status_code == 201, first.content
    token = first.json()["token"]
    again = add(c, shop, product=shop.print, token=token, option_ids=[str(shop.lustre.public_id)])
    cart = c.get(f"{API}/cart", headers=cart_headers(token)).json()

    assert again.status_code == 201
    assert Cart.objects.count() == 1
    assert cart["item_count"] == 2 and cart["totals"]["total"] == "37.50"
    assert [line["name"] for line in cart["lines"]] == ["Full-resolution download", "8x10 print"]
    assert app().get(f"{API}/cart", headers=cart_headers(token + "x")).status_code == 403
    assert app().get(f"{API}/cart").json()["lines"] == []


def test_prices_and_currencies_sent_are_ignored(shop):
    response = add(app(), shop, price="0.01", total="0", currency="JPY", unit_price="0")

    body = response.json()
    assert response.status_code == 201
    assert body["currency"] == "EUR" and body["totals"]["total"] == "15.00"


@pytest.mark.parametrize("quantity", [0, 100, -1])
def test_quantities_out_of_bounds_are_422(shop, quantity):
    response = add(app(), shop, quantity=quantity)

    assert response.status_code == 422 and "between 1 and 99" in response.json()["message"]
    assert not CartLine.objects.exists()


@pytest.mark.parametrize("quantity", [1.5, "2", True])
def test_quantities_must_be_integers(shop, quantity):
    assert add(app(), shop, quantity=quantity).status_code == 422


def test_a_guest_code_cannot_buy(shop):
    shop.gallery.visibility = Visibility.PRIVATE
    shop.gallery.save()
    guest = access.gallery_rotate_access_code(gallery=shop.gallery, kind=access.GUEST)
    token = (
        app()
        .post(
            f"{API}/galleries/{shop.gallery.public_id}/access",
            {"code": guest},
            content_type="application/json",
        )
        .json()["token"]
    )

    response = add(app(), shop, headers={"X-Gallery-Token": token})

    assert response.status_code == 403
    assert add(app(), shop).status_code == 403  # no token at all: the private gallery asks a code
    assert not CartLine.objects.exists()


def test_update_save_for_later_move_back_and_remove(shop):
    c = app()
    token = add(c, shop, product=shop.print).json()["token"]
    line_id = CartLine.objects.get().public_id
    url = f"{API}/cart/lines/{line_id}"
    h = cart_headers(token)

    changed = c.patch(url, {"quantity": 3}, content_type="application/json", headers=h)
    options = c.patch(
        url,
        {"option_ids": [str(shop.frame.public_id)]},
        content_type="application/json",
        headers=h,
    )
    saved = c.patch(url, {"saved_for_later": True}, content_type="application/json", headers=h)
    back = c.patch(url, {"saved_for_later": False}, content_type="application/json", headers=h)
    removed = c.delete(url, headers=h)

    assert changed.json()["lines"][0]["quantity"] == 3
    assert options.json()["lines"][0]["total"] == "150.00"  # (20 + 30) × 3
    assert saved.json()["lines"] == [] and len(saved.json()["saved_for_later"]) == 1
    assert len(back.json()["lines"]) == 1
    assert removed.status_code == 200 and not CartLine.objects.exists()


def test_another_carts_line_is_404(shop):
    mine = add(app(), shop).json()["token"]
    theirs = add(app(), shop, photo=1).json()["token"]
    their_line = CartLine.objects.get(photo=shop.photos[1]).public_id

    response = app().delete(f"{API}/cart/lines/{their_line}", headers=cart_headers(mine))

    assert response.status_code == 404
    assert theirs and CartLine.objects.count() == 2


def test_a_code_is_applied_or_refused_with_its_reason(shop):
    make_discount(shop, "SAVE10")
    make_discount(shop, "BIG", min_order=Decimal("100"))
    c = app()
    token = add(c, shop).json()["token"]
    h = cart_headers(token)

    wrong = c.put(f"{API}/cart/code", {"code": "nope"}, content_type="application/json", headers=h)
    small = c.put(f"{API}/cart/code", {"code": "big"}, content_type="application/json", headers=h)
    right = c.put(
        f"{API}/cart/code", {"code": "save10"}, content_type="application/json", headers=h
    )
    gone = c.delete(f"{API}/cart/code", headers=h)

    assert wrong.status_code == 422 and wrong.json()["message"] == "That code is not valid."
    assert small.status_code == 422 and "100" in small.json()["message"]
    assert right.status_code == 200
    assert right.json()["totals"]["discount_total"] == "1.50"
    assert right.json()["totals"]["total"] == "13.50"
    assert gone.json()["totals"]["discount_code"] == ""


def test_guest_checkout_of_downloads_needs_no_address(shop):
    c = app()
    token = add(c, shop).json()["token"]

    response = c.post(
        f"{API}/checkout",
        {"email": EMAIL, "idempotency_key": "abc"},
        content_type="application/json",
        headers=cart_headers(token),
    )

    body = response.json()
    assert response.status_code == 201, body
    assert body["status"] == "pending" and body["total"] == "15.00"
    assert body["payment"]["kind"] == "instructions" and body["number"] in body["payment"]["text"]
    assert app().get(body["order_url"].split("testserver", 1)[1]).status_code == 200
    again = c.post(
        f"{API}/checkout",
        {"email": EMAIL, "idempotency_key": "abc"},
        content_type="application/json",
        headers=cart_headers(token),
    )
    assert again.json()["number"] == body["number"] and Order.objects.count() == 1


def test_another_cart_with_the_same_email_and_key_never_gets_the_first_order(shop):
    body = {"email": EMAIL, "idempotency_key": "abc"}

    def checkout(c, token):
        return c.post(
            f"{API}/checkout", body, content_type="application/json", headers=cart_headers(token)
        )

    buyer = app()
    first = checkout(buyer, add(buyer, shop).json()["token"]).json()
    stranger = app()
    token = add(stranger, shop, photo=1).json()["token"]
    stranger.delete(
        f"{API}/cart/lines/{CartLine.objects.get().public_id}", headers=cart_headers(token)
    )

    emptied = checkout(stranger, token)
    add(stranger, shop, token=token, photo=1)
    theirs = checkout(stranger, token)

    assert emptied.status_code == 409 and emptied.json()["code"] == "cart_empty"
    assert first["number"] not in emptied.content.decode()
    assert theirs.status_code == 201
    assert theirs.json()["id"] != first["id"] and theirs.json()["number"] != first["number"]
    assert theirs.json()["order_token"] != first["order_token"]
    assert first["order_token"] not in theirs.content.decode()
    assert Order.objects.count() == 2


def test_a_signed_in_buyer_can_keep_the_shipping_address(shop):
    user = UserFactory()
    c = app()
    h = {"X-Session-Token": _session_token(user)}
    add(c, shop, product=shop.print, headers=h)

    placed = c.post(
        f"{API}/checkout",
        {
            "shipping_method_id": str(shop.shipping.public_id),
            "shipping_address": ADDRESS,
            "save_address": True,
        },
        content_type="application/json",
        headers=h,
    )

    assert placed.status_code == 201, placed.content
    assert Address.objects.get(user=user).city == "Lyon"


def test_an_unknown_option_or_a_missing_required_one_is_refused(shop):
    shop.print.optional_groups = ["Frame"]  # a paper is required
    shop.print.save()

    unknown = add(
        app(), shop, product=shop.print, option_ids=[str(shop.lustre.public_id), str(uuid4())]
    )
    missing = add(app(), shop, product=shop.print)
    quote = app().get(photo_path(shop, "/quote"), {"product_id": str(shop.print.public_id)})

    assert unknown.status_code == 422 and unknown.json()["code"] == "option_invalid"
    assert missing.status_code == 422 and missing.json()["code"] == "option_required"
    assert quote.status_code == 422 and quote.json()["message"] == "Choose a paper."
    assert not Cart.objects.exists()  # a refused choice makes no cart


def test_a_print_needs_an_address_and_a_method_and_stock(shop):
    c = app()
    token = add(c, shop, product=shop.print).json()["token"]
    h = cart_headers(token)

    def place(**body):
        body = {"email": EMAIL, **body}
        return c.post(f"{API}/checkout", body, content_type="application/json", headers=h)

    no_address = place(shipping_method_id=str(shop.shipping.public_id))
    no_method = place(shipping_address=ADDRESS)
    methods = c.get(f"{API}/cart/shipping-methods", {"country": "US"}, headers=h).json()
    shop.print.stock = 0
    shop.print.save()
    sold_out = place(shipping_method_id=str(shop.shipping.public_id), shipping_address=ADDRESS)
    shop.print.stock = None
    shop.print.save()
    placed = place(shipping_method_id=str(shop.shipping.public_id), shipping_address=ADDRESS)

    assert no_address.status_code == 422 and "shipping address" in no_address.json()["message"]
    assert no_method.status_code == 422 and "shipping method" in no_method.json()["message"]
    assert methods == [
        {
            "id": str(shop.shipping.public_id),
            "name": "Standard",
            "kind": "standard",
            "cost": "12.00",
            "currency": "EUR",
        }
    ]
    assert sold_out.status_code == 409 and "sold out" in sold_out.json()["message"]
    assert placed.status_code == 201 and placed.json()["total"] == "25.00"  # 20 + 5 shipping


def test_a_signed_in_app_uses_the_account_cart_and_merges_the_guest_one(shop):
    user = UserFactory()
    guest = app()
    token = add(guest, shop).json()["token"]
    session_token = _session_token(user)
    c = app()
    h = {"X-Session-Token": session_token}

    merged = c.get(f"{API}/cart", headers=h | cart_headers(token))
    added = add(c, shop, product=shop.print, headers=h)
    placed = c.post(
        f"{API}/checkout",
        {"shipping_method_id": str(shop.shipping.public_id), "shipping_address": ADDRESS},
        content_type="application/json",
        headers=h,
    )

    assert merged.json()["token"] is None and merged.json()["item_count"] == 1
    assert added.json()["item_count"] == 2
    assert placed.status_code == 201, placed.content
    order = Order.objects.get()
    assert order.customer == user and order.email == user.email
    assert order.status == OrderStatus.PENDING


def _session_token(user) -> str:
    login = Client().post(
        "/_allauth/app/v1/auth/login",
        {"email": user.email, "password": PASSWORD},
        content_type="application/json",
    )
    assert login.status_code == 200, login.content
    return login.json()["meta"]["session_token"]


def test_the_cart_says_whether_its_tax_is_calculated_yet(shop):
    TaxRule.objects.create(owner=shop.seller, country="FR", physical_rate=20, digital_rate=20)
    added = add(app(), shop)
    assert added.status_code == 201
    totals = added.json()["totals"]
    # A rule could apply once the country is known: the 0 is not the tax yet.
    assert totals["tax_calculated"] is False and totals["tax_total"] == "0.00"
    TaxRule.objects.filter(owner=shop.seller).delete()
    cart = app().get(f"{API}/cart", headers=cart_headers(added.json()["token"]))
    assert cart.json()["totals"]["tax_calculated"] is True
