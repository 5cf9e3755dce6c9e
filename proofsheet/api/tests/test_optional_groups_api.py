"""/api/v1 and optional option groups: the photographer marks them, clients see them, the cart
refuses a print without a choice in a required group."""

from decimal import Decimal

import pytest
from django.test import Client

from proofsheet.cart.models import CartLine
from proofsheet.cart.tests.support import make_shop
from proofsheet.catalog.tests.factories import PriceSheetFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
J = {"content_type": "application/json"}
API = "/api/v1/client"


@pytest.fixture
def shop():
    shop = make_shop()
    shop.print.optional_groups = ["Frame"]
    shop.print.save()
    return shop


def photo_path(shop, rest=""):
    return f"{API}/galleries/{shop.gallery.public_id}/photos/{shop.photos[0].public_id}{rest}"


def add(shop, option_ids=()):
    return Client(enforce_csrf_checks=True).post(
        f"{API}/cart/lines",
        {
            "gallery_id": str(shop.gallery.public_id),
            "photo_id": str(shop.photos[0].public_id),
            "product_id": str(shop.print.public_id),
            "option_ids": [str(o.public_id) for o in option_ids],
        },
        **J,
    )


def test_the_photographer_marks_groups_optional(photographer_client):
    c = photographer_client
    sheet = PriceSheetFactory(owner=c.user)
    fields = {"kind": "print", "name": "8x10", "finish": "paper", "width_in": 8,
              "height_in": 10, "price": "15"}  # fmt: skip
    url = f"/api/v1/price-sheets/{sheet.public_id}/products"
    early = c.post(url, fields | {"optional_groups": ["Frame"]}, **J)
    assert early.status_code == 422 and "add its options first" in early.json()["message"]
    product = c.post(url, fields, **J).json()
    assert product["optional_groups"] == []
    for group, name in [("Paper", "Glossy"), ("Frame", "Black oak")]:
        added = c.post(
            f"/api/v1/products/{product['id']}/options", {"group": group, "name": name}, **J
        )
        assert added.status_code == 201

    patched = c.patch(f"/api/v1/products/{product['id']}", {"optional_groups": ["frame"]}, **J)
    assert patched.status_code == 200 and patched.json()["optional_groups"] == ["Frame"]
    assert c.get(f"/api/v1/products/{product['id']}").json()["optional_groups"] == ["Frame"]
    sheet_body = c.get(f"/api/v1/price-sheets/{sheet.public_id}").json()
    assert sheet_body["products"][0]["optional_groups"] == ["Frame"]

    unknown = c.patch(f"/api/v1/products/{product['id']}", {"optional_groups": ["Mat"]}, **J)
    assert (
        unknown.status_code == 422 and "“Mat” is not an option group" in unknown.json()["message"]
    )
    not_a_list = c.patch(f"/api/v1/products/{product['id']}", {"optional_groups": "Frame"}, **J)
    assert not_a_list.status_code in (400, 422)
    cleared = c.patch(f"/api/v1/products/{product['id']}", {"optional_groups": []}, **J)
    assert cleared.json()["optional_groups"] == []


def test_clients_see_which_groups_are_optional(shop):
    offers = Client().get(photo_path(shop, "/offers")).json()
    printed = next(o for o in offers if o["product_id"] == str(shop.print.public_id))
    assert printed["optional_groups"] == ["Frame"]
    products = Client().get(photo_path(shop, "/products")).json()["products"]
    by_name = {p["name"]: p for p in products}
    assert by_name["8x10 print"]["optional_groups"] == ["Frame"]
    assert by_name["Full-resolution download"]["optional_groups"] == []


def test_adding_a_print_without_a_required_group_is_refused(shop):
    refused = add(shop, [shop.frame])
    assert refused.status_code == 422
    assert "Choose a paper." in refused.content.decode()
    assert not CartLine.objects.exists()


def test_an_optional_group_may_be_left_out_and_chosen_later(shop):
    added = add(shop, [shop.lustre])
    assert added.status_code == 201, added.content
    body = added.json()
    assert Decimal(str(body["lines"][0]["unit_price"])) == Decimal("22.50")  # no frame

    quote = Client().get(
        photo_path(shop, "/quote"),
        {"product_id": str(shop.print.public_id),
         "option_ids": [str(shop.lustre.public_id), str(shop.frame.public_id)]},
    ).json()  # fmt: skip
    assert Decimal(str(quote["unit_price"])) == Decimal("52.50")


def test_a_quote_follows_the_rules_of_the_cart(shop):
    def quote(*options):
        return Client().get(
            photo_path(shop, "/quote"),
            {"product_id": str(shop.print.public_id),
             "option_ids": [str(o.public_id) for o in options]},
        )  # fmt: skip

    assert quote(shop.lustre).status_code == 200  # the frame is optional
    no_paper = quote(shop.frame)
    assert no_paper.status_code == 422 and "Choose a paper." in no_paper.json()["message"]
    second_paper = shop.print.options.create(group="Paper", name="Matte")
    two_papers = quote(shop.lustre, second_paper)
    assert two_papers.status_code == 422 and "one paper only" in two_papers.json()["message"]
