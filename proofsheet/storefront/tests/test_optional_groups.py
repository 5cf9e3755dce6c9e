"""The buy panel and the cart page with optional option groups: "No frame" first and chosen,
a required paper asked for (never preselected), the price with and without the frame."""

import re

import pytest
from django.urls import reverse

from proofsheet.cart.models import CartLine
from proofsheet.cart.tests.support import make_shop
from proofsheet.storefront.tests.gallery_support import HX

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    shop = make_shop()
    shop.print.optional_groups = ["Frame"]  # a paper is required, a frame is not
    shop.print.save()
    return shop


def url(shop, name="photo"):
    return reverse(f"storefront:{name}", args=[shop.gallery.public_id, shop.photos[0].public_id])


def field(shop) -> str:
    return f"options-{shop.print.public_id}"


def select_of(html: str, label: str) -> str:
    """The <select> that follows the label `label` in `html`."""
    match = re.search(rf">{label}</label>\s*<select[^>]*>(.*?)</select>", html, re.S)
    assert match, label
    return match.group(1)


def test_the_optional_group_starts_at_none_and_the_required_one_asks(client, shop):
    html = client.get(url(shop)).content.decode()
    frame = select_of(html, "Frame")
    assert re.search(r'<option value="" selected>No frame</option>', frame)
    assert f'value="{shop.frame.public_id}" >' in frame  # offered, not chosen
    paper = select_of(html, "Paper")
    assert "No paper" not in paper
    assert '<option value="" selected disabled>Choose a paper…</option>' in paper
    assert f'value="{shop.lustre.public_id}" >' in paper  # offered, not chosen
    assert " selected" not in paper.replace("selected disabled", "")


def test_the_live_price_with_no_frame_then_with_one(client, shop):
    query = {"product": str(shop.print.public_id), field(shop): [str(shop.lustre.public_id), ""]}
    without = client.get(url(shop, "price_quote"), query, headers=HX).content.decode()
    assert "22.50 EUR" in without  # 20.00 + lustre
    query[field(shop)] = [str(shop.lustre.public_id), str(shop.frame.public_id)]
    framed = client.get(url(shop, "price_quote"), query, headers=HX).content.decode()
    assert "52.50 EUR" in framed


def test_adding_with_no_frame_and_changing_it_in_the_cart(client, shop):
    added = client.post(
        url(shop, "cart_add"),
        {"product": str(shop.print.public_id), "quantity": "1",
         field(shop): [str(shop.lustre.public_id), ""]},
    )  # fmt: skip
    assert added.status_code == 302
    line = CartLine.objects.get()
    assert list(line.options.all()) == [shop.lustre]

    cart = client.get(reverse("storefront:cart")).content.decode()
    assert re.search(r'<option value="" selected>No frame</option>', select_of(cart, "Frame"))
    assert "22.50 EUR" in cart

    change = reverse("storefront:cart_line", args=[line.public_id])
    both = [str(shop.lustre.public_id), str(shop.frame.public_id)]
    client.post(change, {"action": "options", "options": both})
    assert set(line.options.all()) == {shop.lustre, shop.frame}
    client.post(change, {"action": "options", "options": [str(shop.lustre.public_id), ""]})
    assert list(line.options.all()) == [shop.lustre]

    refused = client.post(change, {"action": "options", "options": ["", ""]}, follow=True)
    assert "Choose a paper." in refused.content.decode()
    assert list(line.options.all()) == [shop.lustre]


def test_the_cart_asks_for_a_group_that_became_required(client, shop):
    client.post(
        url(shop, "cart_add"),
        {"product": str(shop.print.public_id), "quantity": "1",
         field(shop): [str(shop.lustre.public_id), ""]},
    )  # fmt: skip
    shop.print.optional_groups = []
    shop.print.save()
    cart = client.get(reverse("storefront:cart")).content.decode()
    assert "Choose a frame before checking out." in cart
    assert "No frame" not in cart
