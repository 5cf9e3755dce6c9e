"""Cart services: what may go in a cart, merging, saving for later, discount codes (R30, R33)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import login
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from django.utils import timezone

from proofsheet.accounts.tests.factories import UserFactory
from proofsheet.cart import services
from proofsheet.cart.models import MAX_QUANTITY, Cart, CartLine, DiscountUse
from proofsheet.cart.selectors import cart_line_list, cart_pricing
from proofsheet.cart.services import CartError, DiscountRejected
from proofsheet.cart.session import SESSION_CART, request_cart
from proofsheet.cart.tests.support import make_discount, make_photo, make_shop
from proofsheet.catalog.models import GalleryPricing, Package, PhotoPrice
from proofsheet.galleries.access import GUEST, Access
from proofsheet.galleries.models import PhotoStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    return make_shop()


@pytest.fixture
def cart():
    return services.cart_get_or_create(session_key="guest-session")


def add(cart, shop, photo=0, product=None, options=(), quantity=1):
    return services.cart_line_add(
        cart=cart,
        access=shop.access,
        photo=shop.photos[photo],
        product=product or shop.print,
        options=options,
        quantity=quantity,
    )


def test_carts_are_per_account_or_per_session():
    user = UserFactory()
    assert services.cart_get_or_create(user=user) == services.cart_get_or_create(user=user)
    guest = services.cart_get_or_create(session_key="abc")
    assert guest == services.cart_get_or_create(session_key="abc")
    assert guest != services.cart_get_or_create(session_key="other")
    with pytest.raises(CartError):
        services.cart_get_or_create()


def test_first_line_fixes_seller_and_currency_and_the_price_comes_from_the_catalogue(shop, cart):
    line = add(cart, shop, options=[shop.lustre], quantity=2)
    assert (cart.seller, cart.currency) == (shop.seller, "EUR")
    assert line.gallery == shop.gallery
    pricing = cart_pricing(cart=cart)
    assert pricing.lines[0].unit_price == Decimal("22.50")
    assert pricing.total == Decimal("45.00")


def test_a_photo_price_beats_the_product_price(shop, cart):
    PhotoPrice.objects.create(product=shop.print, photo=shop.photos[0], price=Decimal("40"))
    add(cart, shop, photo=0)
    add(cart, shop, photo=1)
    assert [x.unit_price for x in cart_pricing(cart=cart).lines] == [Decimal("40"), Decimal("20")]


def test_same_photo_product_and_options_merge(shop, cart):
    add(cart, shop, options=[shop.lustre], quantity=2)
    add(cart, shop, options=[shop.lustre], quantity=3)
    add(cart, shop, options=[shop.frame])
    lines = cart_line_list(cart=cart)
    assert [line.quantity for line in lines] == [5, 1]
    with pytest.raises(CartError, match=f"at most {MAX_QUANTITY}"):
        add(cart, shop, options=[shop.lustre], quantity=MAX_QUANTITY)


@pytest.mark.parametrize(
    "quantity", [0, -1, 100, 1.5, "1.5", "two", "", "100", True, None, Decimal("1")]
)
def test_quantity_must_be_an_integer_within_bounds(shop, cart, quantity):
    with pytest.raises(CartError, match="quantity") as refused:
        add(cart, shop, quantity=quantity)
    assert refused.value.code == "quantity_invalid" and "quantity" in refused.value.fields
    assert not CartLine.objects.exists()


def test_a_typed_quantity_is_read_as_the_number_it_says(shop, cart):
    assert add(cart, shop, quantity=" 3 ").quantity == 3


def test_the_service_takes_no_price_or_currency_from_the_client(shop, cart):
    with pytest.raises(TypeError):
        services.cart_line_add(
            cart=cart, access=shop.access, photo=shop.photos[0], product=shop.print,
            price=Decimal("0.01"),
        )  # fmt: skip
    with pytest.raises(TypeError):
        services.cart_line_add(
            cart=cart, access=shop.access, photo=shop.photos[0], product=shop.print,
            currency="JPY",
        )  # fmt: skip


def test_guests_cannot_buy(shop, cart):
    guest = Access(gallery=shop.gallery, role=GUEST)
    with pytest.raises(CartError, match="client code"):
        services.cart_line_add(cart=cart, access=guest, photo=shop.photos[0], product=shop.print)


def test_photo_must_be_ready_and_in_the_visitors_gallery(shop, cart):
    processing = make_photo(shop.gallery, status=PhotoStatus.PROCESSING)
    other = make_shop()
    for photo in (processing, other.photos[0]):
        with pytest.raises(CartError, match="not available"):
            services.cart_line_add(cart=cart, access=shop.access, photo=photo, product=shop.print)


def test_product_must_be_active_on_the_gallerys_sheet(shop, cart):
    other = make_shop()
    with pytest.raises(CartError, match="not sold"):
        add(cart, shop, product=other.print)
    shop.print.active = False
    shop.print.save()
    with pytest.raises(CartError, match="not sold"):
        add(cart, shop)
    GalleryPricing.objects.filter(gallery=shop.gallery).delete()
    with pytest.raises(CartError, match="Nothing in this gallery"):
        add(cart, shop, product=shop.digital)


def test_options_must_belong_to_the_product_one_per_group(shop, cart):
    with pytest.raises(CartError, match="not an option"):
        add(cart, shop, product=shop.digital, options=[shop.lustre])
    matte = shop.print.options.create(group="Paper", name="Matte")
    with pytest.raises(CartError, match="one paper"):
        add(cart, shop, options=[shop.lustre, matte])


def test_another_seller_or_currency_is_refused_clearly(shop, cart):
    add(cart, shop)
    other = make_shop()
    with pytest.raises(CartError, match="another photographer"):
        add(cart, other)
    same_seller_usd = make_shop(currency="USD", seller=shop.seller)
    with pytest.raises(CartError, match="in EUR and this is priced in USD"):
        add(cart, same_seller_usd)
    # Emptied, the cart takes anyone.
    services.cart_line_remove(cart=cart, line=cart.lines.get())
    assert cart.seller is None
    add(cart, other)
    assert cart.seller == other.seller


def test_stock_limits_what_goes_in(shop, cart):
    shop.print.stock = 2
    shop.print.save()
    with pytest.raises(CartError, match="Only 2"):
        add(cart, shop, quantity=3)
    shop.print.stock = 0
    shop.print.save()
    with pytest.raises(CartError, match="sold out"):
        add(cart, shop)


def test_update_quantity_and_options_joins_twins(shop, cart):
    plain = add(cart, shop, quantity=2)
    lustre = add(cart, shop, options=[shop.lustre], quantity=3)
    services.cart_line_update(cart=cart, line=plain, quantity=4)
    assert CartLine.objects.get(pk=plain.pk).quantity == 4
    joined = services.cart_line_update(cart=cart, line=plain, options=[shop.lustre])
    assert joined.pk == lustre.pk and joined.quantity == 7
    assert cart.lines.count() == 1
    with pytest.raises(CartError, match="whole number"):
        services.cart_line_update(cart=cart, line=joined, quantity="nine")


def test_another_carts_line_cannot_be_touched(shop, cart):
    line = add(cart, shop)
    thief = services.cart_get_or_create(session_key="thief")
    with pytest.raises(CartError, match="no longer in your cart"):
        services.cart_line_update(cart=thief, line=line, quantity=5)
    services.cart_line_remove(cart=thief, line=line)
    assert CartLine.objects.filter(pk=line.pk).exists()


def test_saved_for_later_lines_are_not_priced_and_come_back(shop, cart):
    line = add(cart, shop)
    add(cart, shop, product=shop.digital)
    services.cart_line_save_for_later(cart=cart, line=line)
    assert cart_pricing(cart=cart).total == Decimal("15.00")
    assert cart_line_list(cart=cart, saved_for_later=True) == [line]
    add(cart, shop, quantity=2)  # the same print again, in the cart proper
    back = services.cart_line_move_to_cart(cart=cart, line=line)
    assert back.quantity == 3 and not back.saved_for_later
    assert cart_pricing(cart=cart).total == Decimal("75.00")


def test_whole_gallery_package_is_a_line_of_its_own(shop, cart):
    package = Package.objects.create(
        sheet=shop.sheet, name="Whole gallery", price=Decimal("199"), whole_gallery=shop.digital
    )
    services.cart_package_add(cart=cart, access=shop.access, package=package)
    services.cart_package_add(cart=cart, access=shop.access, package=package)
    pricing = cart_pricing(cart=cart)
    assert [(x.name, x.quantity, x.total) for x in pricing.lines] == [
        ("Whole gallery", 1, Decimal("199.00"))
    ]


def test_a_whole_gallery_package_of_a_withdrawn_product_cannot_be_bought(shop, cart):
    from proofsheet.cart.checkout import CheckoutError, checkout_place

    package = Package.objects.create(
        sheet=shop.sheet, name="Whole gallery", price=Decimal("199"), whole_gallery=shop.digital
    )
    services.cart_package_add(cart=cart, access=shop.access, package=package)
    shop.digital.active = False
    shop.digital.save(update_fields=["active"])
    package.refresh_from_db()

    with pytest.raises(services.CartError):
        services.cart_package_add(cart=cart, access=shop.access, package=package)
    with pytest.raises(CheckoutError, match="no longer for sale"):
        checkout_place(cart=cart, email="ann@example.test")


def test_package_deals_show_in_the_cart(shop, cart):
    deal = Package.objects.create(sheet=shop.sheet, name="3 downloads", price=Decimal("30"))
    deal.items.create(product=shop.digital, quantity=3)
    for photo in range(3):
        add(cart, shop, photo=photo, product=shop.digital)
    pricing = cart_pricing(cart=cart)
    assert [(p.name, p.saving) for p in pricing.packages] == [("3 downloads", Decimal("15.00"))]
    assert pricing.total == Decimal("30.00")


# --- merging at log-in --------------------------------------------------------------------


def test_merge_adds_the_guest_lines_to_the_account_cart(shop):
    user = UserFactory()
    mine = services.cart_get_or_create(user=user)
    add(mine, shop, quantity=2)
    guest = services.cart_get_or_create(session_key="s")
    add(guest, shop, quantity=1)
    add(guest, shop, product=shop.digital)
    merged = services.cart_merge(guest_cart=guest, user_cart=mine)
    assert sorted(line.quantity for line in merged.lines.all()) == [1, 3]
    assert not Cart.objects.filter(pk=guest.pk).exists()


def test_merge_with_another_seller_keeps_the_cart_just_filled(shop):
    user = UserFactory()
    mine = services.cart_get_or_create(user=user)
    add(mine, shop)
    other = make_shop()
    guest = services.cart_get_or_create(session_key="s")
    add(guest, other, product=other.digital)
    merged = services.cart_merge(guest_cart=guest, user_cart=mine)
    assert merged.seller == other.seller
    assert [line.product for line in merged.lines.all()] == [other.digital]


def test_logging_in_merges_the_guest_cart(shop):
    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.user = type("Anon", (), {"is_authenticated": False})()
    guest = request_cart(request)
    add(guest, shop)
    assert request.session[SESSION_CART] == str(guest.public_id)
    user = UserFactory()
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    mine = Cart.objects.get(user=user)
    assert [line.product for line in mine.lines.all()] == [shop.print]
    assert not Cart.objects.filter(pk=guest.pk).exists()
    assert SESSION_CART not in request.session


# --- discount codes ---------------------------------------------------------------------


def test_apply_a_valid_code_case_insensitively(shop, cart):
    add(cart, shop)
    make_discount(shop, "SAVE10")
    services.discount_apply(cart=cart, code=" save10 ")
    assert Cart.objects.get(pk=cart.pk).discount_code == "SAVE10"
    assert cart_pricing(cart=cart).discount_total == Decimal("2.00")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"active": False}, "not valid"),
        ({"starts_at": timezone.now() + timedelta(days=1)}, "not valid yet"),
        ({"ends_at": timezone.now() - timedelta(days=1)}, "expired"),
        ({"min_order": Decimal("100")}, "at least 100.00 EUR"),
        ({"max_uses": 2, "uses": 2}, "used up"),
        ({"product_kinds": ["digital"]}, "does not apply"),
        ({"kind": "fixed", "value": Decimal("5"), "currency": "USD"}, "for USD orders"),
        # "10 % off from 50 JPY" must not open up to a 50 EUR cart.
        ({"min_order": Decimal("1"), "currency": "JPY"}, "for JPY orders"),
    ],
)
def test_codes_that_cannot_be_used_say_why(shop, cart, fields, message):
    add(cart, shop)
    make_discount(shop, "CODE", **fields)
    with pytest.raises(DiscountRejected, match=message):
        services.discount_apply(cart=cart, code="CODE")
    assert Cart.objects.get(pk=cart.pk).discount_code == ""


def test_gallery_scope_and_other_sellers_codes(shop, cart):
    add(cart, shop)
    elsewhere = make_shop(seller=shop.seller)
    make_discount(shop, "THERE", gallery=elsewhere.gallery)
    with pytest.raises(DiscountRejected, match="does not apply"):
        services.discount_apply(cart=cart, code="THERE")
    other = make_shop()
    make_discount(other, "THEIRS")
    with pytest.raises(DiscountRejected, match="not valid"):
        services.discount_apply(cart=cart, code="THEIRS")
    with pytest.raises(DiscountRejected, match="not valid"):
        services.discount_apply(cart=cart, code="NOPE")


def test_per_customer_limit_when_the_email_is_known(shop, cart):
    from proofsheet.cart.checkout import checkout_place

    discount = make_discount(shop, "ONCE", max_uses_per_customer=1)
    add(cart, shop, product=shop.digital)
    services.discount_apply(cart=cart, code="ONCE", email="ann@example.test")
    checkout_place(cart=cart, email="ann@example.test")
    assert DiscountUse.objects.filter(discount=discount).count() == 1
    add(cart, shop, product=shop.digital)
    with pytest.raises(DiscountRejected, match="already used"):
        services.discount_apply(cart=cart, code="ONCE", email="ANN@example.test")
    services.discount_apply(cart=cart, code="ONCE", email="bob@example.test")


def test_a_download_already_in_the_whole_gallery_package_is_flagged_on_the_cart_page(
    shop, cart, client
):
    from django.urls import reverse

    from proofsheet.cart.session import SESSION_CART

    package = Package.objects.create(
        sheet=shop.sheet, name="Whole gallery", price=Decimal("199"), whole_gallery=shop.digital
    )
    services.cart_package_add(cart=cart, access=shop.access, package=package)
    add(cart, shop, photo=1, product=shop.digital)
    add(cart, shop, photo=2)  # a print: not covered

    pricing = cart_pricing(cart=cart)
    assert [x.covered_by for x in pricing.lines] == ["", "Whole gallery", ""]

    session = client.session
    session[SESSION_CART] = str(cart.public_id)
    session.save()
    html = client.get(reverse("storefront:cart")).content.decode()
    assert html.count("Already included in “Whole gallery”") == 1
