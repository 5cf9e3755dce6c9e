"""flows.buying: the one option rule, quantity rule and quote for every road into the cart."""

import uuid
from decimal import Decimal

import pytest

from proofsheet.cart import services
from proofsheet.cart.models import CartLine
from proofsheet.cart.tests.support import make_shop
from proofsheet.catalog.models import Product
from proofsheet.core.errors import DomainError
from proofsheet.flows import buying
from proofsheet.galleries.access import GUEST, Access

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    shop = make_shop()
    shop.print.optional_groups = ["Frame"]  # a paper is required, a frame is not
    shop.print.save()
    return shop


@pytest.fixture
def cart():
    return services.cart_get_or_create(session_key="flow-buyer")


def ids(*options):
    return [str(option.public_id) for option in options]


def refusal(call, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as refused:
        call(**kwargs)
    return refused.value


def add(shop, cart, **kwargs):
    kwargs.setdefault("product_id", shop.print.public_id)
    return buying.cart_line_add(cart=cart, access=shop.access, photo=shop.photos[0], **kwargs)


def test_a_choice_is_added_as_made(shop, cart):
    line = add(shop, cart, option_ids=ids(shop.lustre, shop.frame), quantity="2")

    assert set(line.options.all()) == {shop.lustre, shop.frame} and line.quantity == 2


def test_nothing_is_chosen_for_the_client(shop, cart):
    missing = refusal(add, shop=shop, cart=cart)  # the required paper left out

    assert (missing.code, missing.message) == ("option_required", "Choose a paper.")
    no_product = refusal(add, shop=shop, cart=cart, product_id="")
    assert no_product.fields == {"product": ["Choose a print or a download."]}
    assert not CartLine.objects.exists()


@pytest.mark.parametrize("unknown", ["frame-of-the-digital", "not-a-uuid", "random"])
def test_an_unknown_option_is_refused_never_dropped(shop, cart, unknown):
    other = {
        "frame-of-the-digital": str(shop.frame.public_id),  # the print's, sent for the download
        "not-a-uuid": "Glossy",
        "random": str(uuid.uuid4()),
    }[unknown]

    refused = refusal(
        add, shop=shop, cart=cart, product_id=shop.digital.public_id, option_ids=[other]
    )

    assert refused.code == "option_invalid" and refused.status == 422
    assert "Full-resolution download" in refused.message
    assert not CartLine.objects.exists()


def test_two_options_of_one_group_are_refused(shop, cart):
    second = shop.print.options.create(group="Paper", name="Glossy")

    refused = refusal(add, shop=shop, cart=cart, option_ids=ids(shop.lustre, second))

    assert refused.code == "option_invalid" and "one paper" in refused.message


def test_a_product_that_is_not_one_of_the_photos_offers_is_not_found(shop, cart):
    inactive = Product.objects.create(
        sheet=shop.sheet, kind="digital", name="Old", price=Decimal(1), active=False
    )
    for product_id in (inactive.public_id, uuid.uuid4(), "junk"):
        refused = refusal(add, shop=shop, cart=cart, product_id=product_id)
        assert refused.code == "not_found" and "not sold in this gallery" in refused.message


@pytest.mark.parametrize(("quantity", "expected"), [("3", 3), (3, 3), (" 12 ", 12)])
def test_a_quantity_typed_or_sent_is_the_same(shop, quantity, expected):
    quote = buying.photo_quote(
        access=shop.access,
        photo=shop.photos[0],
        product_id=shop.digital.public_id,
        quantity=quantity,
    )
    assert quote.quantity == expected and quote.total == Decimal(15) * expected


@pytest.mark.parametrize("quantity", ["0", "100", "1.5", "two", "", 0, 100, True])
def test_a_quantity_outside_1_to_99_is_refused_with_one_message(shop, cart, quantity):
    for call in (add, buying.photo_quote):
        kwargs = {"quantity": quantity}
        if call is add:
            kwargs |= {"shop": shop, "cart": cart, "product_id": shop.digital.public_id}
        else:
            kwargs |= {
                "access": shop.access,
                "photo": shop.photos[0],
                "product_id": shop.digital.public_id,
            }
        refused = refusal(call, **kwargs)
        assert refused.code == "quantity_invalid"
        assert refused.fields["quantity"][0].startswith("The quantity must be")


def test_the_quote_follows_the_same_rule_and_prices_on_the_server(shop):
    def quote(**kwargs):
        return buying.photo_quote(
            access=shop.access, photo=shop.photos[0], product_id=shop.print.public_id, **kwargs
        )

    framed = quote(option_ids=ids(shop.lustre, shop.frame), quantity=2)
    assert (framed.unit_price, framed.total, framed.currency) == (
        Decimal("52.50"),
        Decimal("105.00"),
        "EUR",
    )
    assert refusal(quote).code == "option_required"
    assert refusal(quote, option_ids=[str(uuid.uuid4())]).code == "option_invalid"


def test_a_guest_code_gets_no_quote_and_cannot_add(shop, cart):
    guest = Access(gallery=shop.gallery, role=GUEST)

    quote = refusal(
        buying.photo_quote, access=guest, photo=shop.photos[0], product_id=shop.digital.public_id
    )
    added = refusal(
        buying.cart_line_add,
        cart=cart,
        access=guest,
        photo=shop.photos[0],
        product_id=shop.digital.public_id,
    )

    assert quote.code == added.code == "client_code_required"
    assert quote.status == 403 and not CartLine.objects.exists()


def test_changing_a_line_follows_the_same_rule(shop, cart):
    line = add(shop, cart, option_ids=ids(shop.lustre))

    framed = buying.cart_line_change(
        cart=cart, line_id=line.public_id, option_ids=ids(shop.lustre, shop.frame), quantity="3"
    )
    assert set(framed.options.all()) == {shop.lustre, shop.frame} and framed.quantity == 3

    unknown = refusal(
        buying.cart_line_change,
        cart=cart,
        line_id=line.public_id,
        option_ids=ids(shop.lustre, shop.frame) + [str(uuid.uuid4())],
    )
    no_paper = refusal(buying.cart_line_change, cart=cart, line_id=line.public_id, option_ids=[])
    assert unknown.code == "option_invalid" and no_paper.code == "option_required"
    assert set(CartLine.objects.get().options.all()) == {shop.lustre, shop.frame}

    saved = buying.cart_line_change(cart=cart, line_id=line.public_id, saved_for_later=True)
    assert saved.saved_for_later


def test_another_carts_line_is_not_found(shop, cart):
    line = add(shop, cart, option_ids=ids(shop.lustre))
    thief = services.cart_get_or_create(session_key="thief")

    for call, kwargs in (
        (buying.cart_line_change, {"quantity": 5}),
        (buying.cart_line_remove, {}),
    ):
        refused = refusal(call, cart=thief, line_id=line.public_id, **kwargs)
        assert refused.status == 404

    assert CartLine.objects.get().quantity == 1


def test_a_package_must_be_one_of_the_gallerys(shop, cart):
    refused = refusal(
        buying.cart_package_add, cart=cart, access=shop.access, package_id=uuid.uuid4()
    )

    assert refused.status == 404 and "not sold in this gallery" in refused.message
