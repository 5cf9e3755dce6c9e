"""The client's buying flow on the web: buy panel, cart, code, checkout, confirmation."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from proofsheet.accounts.tests.factories import UserFactory
from proofsheet.cart.models import Cart, CartLine
from proofsheet.cart.tests.support import ADDRESS, make_discount, make_shop
from proofsheet.fulfillment.shipping import shipping_method_create, shipping_rate_create
from proofsheet.galleries import access
from proofsheet.galleries.models import Visibility
from proofsheet.orders.models import Address, Order, OrderStatus
from proofsheet.orders.services import order_access_token
from proofsheet.payments.tests.providers import use_counting_provider
from proofsheet.storefront.common import GRANTS
from proofsheet.storefront.tests.gallery_support import HX

pytestmark = pytest.mark.django_db
EMAIL = "ann@example.test"


@pytest.fixture
def shop():
    return make_shop()


def photo_url(shop, name="photo", photo=0):
    return reverse(
        f"storefront:{name}", args=[shop.gallery.public_id, shop.photos[photo].public_id]
    )


def buy(client, shop, product=None, photo=0, options=(), quantity="1", **extra):
    product = product or shop.print
    data = {"product": str(product.public_id), "quantity": quantity, **extra}
    if options:
        data[f"options-{product.public_id}"] = [str(o.public_id) for o in options]
    return client.post(photo_url(shop, "cart_add", photo), data)


def page(response) -> str:
    return response.content.decode()


def checkout_data(shop, **fields):
    data = {"email": EMAIL, "idempotency_key": "k-1", "action": "place"}
    data.update(fields)
    return data


def with_address(shop, **fields):
    data = checkout_data(shop, shipping_method=str(shop.shipping.public_id), **fields)
    data.update({key: value for key, value in ADDRESS.items() if key not in fields})
    return data


# --- the photo page ------------------------------------------------------------------------


def test_the_photo_page_offers_prints_and_downloads_with_their_options(client, shop):
    response = client.get(photo_url(shop))

    html = page(response)
    assert response.status_code == 200
    assert "Buy this photo" in html and "Prints" in html and "Downloads" in html
    assert "8x10 print" in html and "Full-resolution download" in html
    assert "Lustre" in html and "+2.50 EUR" in html
    assert 'hx-get="' + photo_url(shop, "price_quote") in html


def test_the_live_price_comes_from_the_server(client, shop):
    shop.print.optional_groups = []  # both groups required
    shop.print.save()
    url = photo_url(shop, "price_quote")
    query = {
        "product": str(shop.print.public_id),
        f"options-{shop.print.public_id}": [str(shop.lustre.public_id), str(shop.frame.public_id)],
        "quantity": "3",
        "price": "0.01",
    }

    response = client.get(url, query, headers=HX)

    assert response.status_code == 200
    assert "157.50 EUR" in page(response)  # 20.00 + 2.50 (lustre) + 30.00 (frame) = 52.50 × 3
    bad = client.get(url, query | {"quantity": "100"}, headers=HX)
    assert "between 1 and 99" in page(bad)


def test_the_quote_says_what_is_still_to_choose(client, shop):
    shop.print.optional_groups = []  # both groups required
    shop.print.save()
    url = photo_url(shop, "price_quote")

    nothing = client.get(url, {"quantity": "1"}, headers=HX)
    no_frame = client.get(
        url,
        {
            "product": str(shop.print.public_id),
            f"options-{shop.print.public_id}": [str(shop.lustre.public_id), ""],
            "quantity": "1",
        },
        headers=HX,
    )

    assert "Choose a print or a download." in page(nothing) and "data-price" not in page(nothing)
    assert "Choose a frame." in page(no_frame) and "EUR" not in page(no_frame)


def test_adding_to_the_cart_without_javascript(client, shop):
    response = buy(client, shop, product=shop.digital)

    assert response.status_code == 302
    cart = Cart.objects.get()
    line = cart.lines.get()
    assert (line.product, line.photo, line.quantity) == (shop.digital, shop.photos[0], 1)
    followed = client.get(response["Location"])
    assert "Full-resolution download added to your cart." in page(followed)
    assert 'Cart <span class="cart-count">(1' in page(followed)


def test_a_guest_code_cannot_buy(client, shop):
    shop.gallery.visibility = Visibility.PRIVATE
    shop.gallery.save()
    code = access.gallery_rotate_access_code(gallery=shop.gallery, kind=access.GUEST)
    grant = access.gallery_code_exchange(gallery=shop.gallery, code=code, ip="127.0.0.1")
    session = client.session
    session[GRANTS] = {grant["gallery"]: grant}
    session.save()

    shown = client.get(photo_url(shop))
    response = buy(client, shop)

    assert "Buy this photo" not in page(shown) and "client code to buy" in page(shown)
    assert response.status_code == 403 and "client code to buy" in page(response)
    assert "Buy this photo" not in page(response)
    assert not Cart.objects.exists()


def test_a_product_withdrawn_while_the_page_was_open_is_explained(client, shop):
    shop.digital.active = False
    shop.digital.save()

    response = buy(client, shop, product=shop.digital)

    assert response.status_code == 404
    assert "This product is not sold in this gallery." in page(response)
    assert "Buy this photo" in page(response) and not Cart.objects.exists()


def test_prices_sent_by_the_client_are_ignored(client, shop):
    buy(client, shop, options=[shop.lustre], price="0.01", total="0", currency="JPY")

    response = client.get(reverse("storefront:cart"))

    html = page(response)
    assert Cart.objects.get().currency == "EUR"
    assert "22.50 EUR" in html and "0.01" not in html  # lustre, no frame (optional)


@pytest.mark.parametrize("quantity", ["0", "100", "1.5", "-1", "two", ""])
def test_quantity_outside_1_to_99_is_refused_clearly(client, shop, quantity):
    response = buy(client, shop, quantity=quantity)

    assert response.status_code == 400
    assert "quantity" in page(response).lower() and "1" in page(response)
    assert not CartLine.objects.exists()


def test_an_option_of_another_product_is_refused_not_dropped(client, shop):
    data = {
        "product": str(shop.digital.public_id),
        f"options-{shop.digital.public_id}": [str(shop.frame.public_id)],
        "quantity": "1",
    }
    response = client.post(photo_url(shop, "cart_add"), data)

    assert response.status_code == 400
    assert "Choose options of Full-resolution download only." in page(response)
    assert not CartLine.objects.exists()


# --- nothing is chosen for the client ---------------------------------------------------


def test_the_buy_panel_opens_with_nothing_chosen(client, shop):
    shop.print.optional_groups = ["Frame"]  # a paper is required
    shop.print.save()

    html = page(client.get(photo_url(shop)))

    radios = re.findall(r'<input type="radio" name="product"[^>]*>', html)
    assert len(radios) == 2 and not any("checked" in radio for radio in radios)
    assert '<option value="" selected disabled>Choose a paper…</option>' in html
    assert f'value="{shop.lustre.public_id}" selected' not in html
    assert "Choose a print or a download." in html and "data-price" not in html


def test_add_to_cart_without_a_required_choice_says_what_is_missing(client, shop):
    shop.print.optional_groups = ["Frame"]  # a paper is required
    shop.print.save()

    response = buy(client, shop)  # the print, but no paper chosen

    html = page(response)
    assert response.status_code == 400
    assert 'role="alert" id="buy-error">Choose a paper.</p>' in html
    assert not CartLine.objects.exists()
    # The form keeps what was chosen: the print, still asking for its paper.
    assert re.search(rf'id="product-{shop.print.public_id}"[^>]*checked', html)
    assert '<option value="" selected disabled>Choose a paper…</option>' in html


def test_without_a_product_add_to_cart_asks_for_one(client, shop):
    response = client.post(photo_url(shop, "cart_add"), {"quantity": "1"})

    assert response.status_code == 400 and "Choose a print or a download." in page(response)
    assert not CartLine.objects.exists()


# --- the cart ------------------------------------------------------------------------------


def test_cart_quantity_save_for_later_move_back_and_remove(client, shop):
    buy(client, shop)
    line = CartLine.objects.get()
    url = reverse("storefront:cart_line", args=[line.public_id])

    client.post(url, {"action": "update", "quantity": "3"})
    assert CartLine.objects.get().quantity == 3
    refused = client.post(url, {"action": "update", "quantity": "120"}, follow=True)
    assert "between 1 and 99" in page(refused) and CartLine.objects.get().quantity == 3

    client.post(url, {"action": "save"})
    html = page(client.get(reverse("storefront:cart")))
    assert "Saved for later" in html and "Move to cart" in html
    assert CartLine.objects.get().saved_for_later

    client.post(url, {"action": "move"})
    assert not CartLine.objects.get().saved_for_later
    client.post(url, {"action": "remove"})
    assert not CartLine.objects.exists()


def test_cart_options_can_be_changed(client, shop):
    buy(client, shop, options=[shop.lustre])
    line = CartLine.objects.get()

    client.post(
        reverse("storefront:cart_line", args=[line.public_id]),
        {"action": "options", "options": [str(shop.frame.public_id)]},
    )

    assert list(CartLine.objects.get().options.all()) == [shop.frame]
    html = page(client.get(reverse("storefront:cart")))
    assert "Frame: Black oak" in html and "50.00 EUR" in html


def test_another_visitors_line_is_not_found(client, shop):
    other = Cart.objects.create(session_key="someone-else")
    line = CartLine.objects.create(cart=other, product=shop.print, photo=shop.photos[0])
    buy(client, shop)

    client.post(reverse("storefront:cart_line", args=[line.public_id]), {"action": "remove"})

    assert CartLine.objects.filter(pk=line.pk).exists()


def test_a_discount_code_applies_with_clear_messages(client, shop):
    make_discount(shop, "SAVE10")
    make_discount(shop, "OLD", active=False)
    buy(client, shop, product=shop.digital)
    url = reverse("storefront:cart_code")

    wrong = client.post(url, {"code": "nope"}, follow=True)
    old = client.post(url, {"code": "old"}, follow=True)
    right = client.post(url, {"code": "save10"}, follow=True)

    assert "That code is not valid." in page(wrong)
    assert "not valid" in page(old)
    html = page(right)
    assert "Code SAVE10 applied." in html and "−1.50 EUR" in html and "13.50 EUR" in html
    removed = client.post(url, {"action": "remove"}, follow=True)
    assert "Code removed." in page(removed) and Cart.objects.get().discount_code == ""


def test_package_deals_show_in_the_cart(client, shop):
    from proofsheet.catalog.models import Package, PackageItem

    package = Package.objects.create(sheet=shop.sheet, name="3 downloads", price=Decimal("30"))
    PackageItem.objects.create(package=package, product=shop.digital, quantity=3)
    for index in range(3):
        buy(client, shop, product=shop.digital, photo=index)

    html = page(client.get(reverse("storefront:cart")))

    assert "3 downloads" in html and "you save 15.00 EUR" in html
    assert "30.00 EUR" in html


def test_the_guest_cart_joins_the_account_cart_at_log_in(client, shop):
    user = UserFactory()
    buy(client, shop, product=shop.digital)

    client.force_login(user)

    cart = Cart.objects.get(user=user)
    assert cart.lines.get().product == shop.digital


# --- checkout ------------------------------------------------------------------------------


def test_a_digital_only_order_needs_no_address(client, shop):
    buy(client, shop, product=shop.digital)

    form = client.get(reverse("storefront:checkout"))
    response = client.post(reverse("storefront:checkout"), checkout_data(shop))

    assert "Shipping address" not in page(form)
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.total == Decimal("15.00") and order.shipping_address == {}
    done = client.get(response["Location"])
    html = page(done)
    assert order.number in html and "How to pay" in html and "Reference: " + order.number in html
    assert reverse("storefront:order", args=["x"]).rsplit("x", 1)[0] in html
    assert not CartLine.objects.exists()


def test_a_print_needs_an_address_and_a_method(client, shop):
    pickup = shipping_method_create(owner=shop.seller, name="Pickup", kind="pickup")
    shipping_rate_create(method=pickup)
    buy(client, shop)
    url = reverse("storefront:checkout")

    no_address = client.post(url, checkout_data(shop, shipping_method=str(shop.shipping.public_id)))
    no_method = client.post(url, checkout_data(shop, **ADDRESS))
    placed = client.post(url, with_address(shop))

    assert no_address.status_code == 400 and "Enter a shipping address." in page(no_address)
    assert no_method.status_code == 400 and "Choose a shipping method." in page(no_method)
    # What was typed is kept.
    assert 'value="1 Rue Haute"' in page(no_method) and f'value="{EMAIL}"' in page(no_method)
    assert placed.status_code == 302
    order = Order.objects.get()
    assert order.shipping_total == Decimal("5.00") and order.shipping_address["city"] == "Lyon"


def test_the_shipping_rate_is_shown_for_the_address(client, shop):
    buy(client, shop)

    response = client.post(
        reverse("storefront:checkout"), {**with_address(shop, country="US"), "action": "review"}
    )

    html = page(response)
    assert response.status_code == 200 and "Standard — 12.00 EUR" in html
    assert not Order.objects.exists()


def test_a_print_can_go_to_another_address(client, shop):
    buy(client, shop, product=shop.digital)
    buy(client, shop, photo=1)
    line = CartLine.objects.get(product=shop.print)
    prefix = f"line-{line.public_id}-"
    data = with_address(shop)
    data[prefix + "elsewhere"] = "1"
    data.update({prefix + key: value for key, value in ADDRESS.items()})
    data[prefix + "name"] = "Grandma"

    response = client.post(reverse("storefront:checkout"), data)

    assert response.status_code == 302
    order = Order.objects.get()
    assert order.lines.get(kind="print").shipping_address["name"] == "Grandma"


def test_a_double_submit_makes_one_order(client, shop):
    buy(client, shop, product=shop.digital)
    data = checkout_data(shop)

    first = client.post(reverse("storefront:checkout"), data)
    second = client.post(reverse("storefront:checkout"), data)  # the cart is empty by now
    buy(client, shop, product=shop.digital)  # or full again before the retry lands
    third = client.post(reverse("storefront:checkout"), data)

    assert Order.objects.count() == 1
    assert first["Location"] == second["Location"] == third["Location"]
    assert "How to pay" in page(client.get(second["Location"]))


@pytest.mark.parametrize("their_cart", ["emptied", "full"])
def test_another_browser_with_the_same_email_and_key_never_gets_the_first_order(
    client, shop, their_cart
):
    buy(client, shop, product=shop.digital)
    first = client.post(reverse("storefront:checkout"), checkout_data(shop))
    order = Order.objects.get()
    stranger = Client()
    buy(stranger, shop, product=shop.digital, photo=1)
    if their_cart == "emptied":
        line = CartLine.objects.get(photo=shop.photos[1])
        stranger.post(reverse("storefront:cart_line", args=[line.public_id]), {"action": "remove"})

    theirs = stranger.post(reverse("storefront:checkout"), checkout_data(shop))

    assert theirs.status_code == 302 and theirs["Location"] != first["Location"]
    assert stranger.get(first["Location"]).status_code == 404
    shown = page(stranger.get(theirs["Location"], follow=True))
    assert order.number not in shown and order_access_token(order) not in shown
    if their_cart == "emptied":
        assert theirs["Location"] == reverse("storefront:cart") and "Your cart is empty." in shown
        assert Order.objects.count() == 1
    else:
        assert Order.objects.count() == 2


def test_the_confirmation_reads_the_payment_it_never_starts_one(client, shop, settings):
    counting = use_counting_provider(settings)
    buy(client, shop, product=shop.digital)

    response = client.post(reverse("storefront:checkout"), checkout_data(shop))
    first, again = (page(client.get(response["Location"])) for _ in range(2))

    order = Order.objects.get()
    assert f'href="https://pay.example.test/{order.public_id}"' in first and "Pay now" in again
    assert counting.starts == 1


def test_out_of_stock_and_used_up_codes_are_clear_and_keep_the_form(client, shop):
    shop.print.stock = 1
    shop.print.save()
    buy(client, shop)
    shop.print.stock = 0
    shop.print.save()

    response = client.post(reverse("storefront:checkout"), with_address(shop))

    assert response.status_code == 400
    assert "8x10 print is sold out." in page(response)
    assert 'value="Ann Buyer"' in page(response)
    assert not Order.objects.exists()


def test_a_code_used_up_meanwhile_is_explained(client, shop):
    discount = make_discount(shop, "ONCE", max_uses=1)
    buy(client, shop, product=shop.digital)
    client.post(reverse("storefront:cart_code"), {"code": "ONCE"})
    discount.uses = 1
    discount.save()

    response = client.post(reverse("storefront:checkout"), checkout_data(shop))

    assert response.status_code == 400 and "ONCE has been used up" in page(response)


def test_signed_in_checkout_prefills_the_email_and_saves_the_address(client, shop):
    user = UserFactory()
    client.force_login(user)
    buy(client, shop)

    form = client.get(reverse("storefront:checkout"))
    data = with_address(shop, email=user.email, save_address="1")
    response = client.post(reverse("storefront:checkout"), data)

    assert f'value="{user.email}"' in page(form)
    assert response.status_code == 302
    assert Order.objects.get().customer == user
    assert Address.objects.get(user=user).city == "Lyon"
    buy(client, shop)
    again = page(client.get(reverse("storefront:checkout")))
    assert "Ann Buyer, 1 Rue Haute, Lyon FR" in again
    saved = Address.objects.get(user=user)
    second = client.post(
        reverse("storefront:checkout"),
        checkout_data(
            shop,
            email=user.email,
            idempotency_key="k-2",
            saved_address=str(saved.public_id),
            shipping_method=str(shop.shipping.public_id),
        ),
    )
    assert second.status_code == 302
    assert Order.objects.latest("id").shipping_address["name"] == "Ann Buyer"


def test_a_free_order_is_paid_at_once(client, shop):
    shop.digital.price = Decimal("0")
    shop.digital.save()
    buy(client, shop, product=shop.digital)

    response = client.post(reverse("storefront:checkout"), checkout_data(shop))

    done = page(client.get(response["Location"]))
    assert Order.objects.get().status == OrderStatus.PAID
    assert "Paid." in done and "How to pay" not in done


def test_the_confirmation_is_only_for_the_browser_that_ordered(client, shop):
    buy(client, shop, product=shop.digital)
    response = client.post(reverse("storefront:checkout"), checkout_data(shop))
    client.logout()
    client.cookies.clear()

    assert client.get(response["Location"]).status_code == 404
