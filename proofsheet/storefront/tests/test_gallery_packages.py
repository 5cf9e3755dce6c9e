"""Buying the whole gallery from the gallery page, and seeing the package deals there."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from proofsheet.cart.models import Cart, CartLine
from proofsheet.cart.tests.support import make_shop
from proofsheet.catalog.models import Package, PackageItem
from proofsheet.galleries import access
from proofsheet.galleries.models import Visibility
from proofsheet.storefront.common import GRANTS

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    shop = make_shop(photos=3)
    shop.extra["whole"] = Package.objects.create(
        sheet=shop.sheet, name="The whole gallery", price=Decimal("99"), whole_gallery=shop.digital
    )
    deal = Package.objects.create(sheet=shop.sheet, name="3 downloads", price=Decimal("30"))
    PackageItem.objects.create(package=deal, product=shop.digital, quantity=3)
    return shop


def gallery_url(shop, name="gallery"):
    return reverse(f"storefront:{name}", args=[shop.gallery.public_id])


def buy_all(client, shop, package=None):
    package = package or shop.extra["whole"]
    return client.post(gallery_url(shop, "cart_package_add"), {"package": str(package.public_id)})


def enter_with(client, shop, kind):
    shop.gallery.visibility = Visibility.PRIVATE
    shop.gallery.save()
    code = access.gallery_rotate_access_code(gallery=shop.gallery, kind=kind)
    grant = access.gallery_code_exchange(gallery=shop.gallery, code=code, ip="127.0.0.1")
    session = client.session
    session[GRANTS] = {grant["gallery"]: grant}
    session.save()


def test_a_client_sees_the_whole_gallery_offer_and_the_deals(client, shop):
    enter_with(client, shop, access.CLIENT)

    response = client.get(gallery_url(shop))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Buy the whole gallery" in html
    assert "All 3 photos · Full resolution · Personal use" in html and "99.00 EUR" in html
    form_action = f'action="{gallery_url(shop, "cart_package_add")}"'
    assert form_action in html and 'name="csrfmiddlewaretoken"' in html
    assert f'name="package" value="{shop.extra["whole"].public_id}"' in html
    assert "3 downloads" in html
    # The amount is kept on one line (a phone would break it otherwise).
    assert '3 × Full-resolution download for <span class="amount">30.00 EUR</span>' in html


def test_a_guest_code_sees_nothing_of_it_and_cannot_buy_it(client, shop):
    enter_with(client, shop, access.GUEST)

    shown = client.get(gallery_url(shop))
    response = buy_all(client, shop)

    assert shown.status_code == 200 and "Buy the whole gallery" not in shown.content.decode()
    assert "Package deals" not in shown.content.decode()
    assert response.status_code == 403
    assert "client code to buy from this gallery." in response.content.decode()
    assert not CartLine.objects.exists()


def test_no_section_without_packages(client, shop):
    Package.objects.update(active=False)

    html = client.get(gallery_url(shop)).content.decode()

    assert "Buy the whole gallery" not in html and "Package deals" not in html


def test_adding_the_whole_gallery_makes_one_line_and_shows_its_price(client, shop):
    first = buy_all(client, shop)
    second = buy_all(client, shop)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == reverse("storefront:cart")
    line = CartLine.objects.get()
    assert (line.package, line.gallery, line.photo) == (shop.extra["whole"], shop.gallery, None)
    cart = client.get(first["Location"]).content.decode()
    assert "The whole gallery added to your cart." in cart and "99.00 EUR" in cart


def test_a_package_of_another_gallery_or_an_inactive_one_is_refused(client, shop):
    other = make_shop()
    foreign = Package.objects.create(
        sheet=other.sheet, name="Theirs", price=Decimal("1"), whole_gallery=other.digital
    )
    retired = Package.objects.create(
        sheet=shop.sheet, name="Retired", price=Decimal("1"), whole_gallery=shop.digital,
        active=False,
    )  # fmt: skip
    deal = Package.objects.get(name="3 downloads")

    for package in (foreign, retired, deal):
        response = buy_all(client, shop, package)
        assert response.status_code == 404
        assert "This package is not sold in this gallery." in response.content.decode()
    garbage = client.post(gallery_url(shop, "cart_package_add"), {"package": "x"})
    assert garbage.status_code == 404
    assert not CartLine.objects.exists()


def test_a_cart_of_another_photographer_is_explained(client, shop):
    other = make_shop()
    client.post(
        reverse("storefront:cart_add", args=[other.gallery.public_id, other.photos[0].public_id]),
        {"product": str(other.digital.public_id), "quantity": "1"},
    )

    response = buy_all(client, shop)

    assert response.status_code == 400
    assert "another photographer" in response.content.decode()
    assert Cart.objects.get().lines.count() == 1


def test_the_form_needs_its_csrf_token(shop):
    response = buy_all(Client(enforce_csrf_checks=True), shop)

    assert response.status_code == 403 and not CartLine.objects.exists()
