"""/api/v1/client: a gallery's packages, and the whole gallery put in the cart."""

from decimal import Decimal

import pytest
from django.test import Client

from proofsheet.cart.models import Cart, CartLine
from proofsheet.cart.tests.support import make_photo, make_shop
from proofsheet.catalog.models import Package, PackageItem
from proofsheet.galleries import access
from proofsheet.galleries.models import PhotoStatus, Visibility
from proofsheet.orders.models import Order

pytestmark = pytest.mark.django_db
API = "/api/v1/client"


@pytest.fixture
def shop():
    shop = make_shop(currency="JPY", photos=2)
    make_photo(shop.gallery, status=PhotoStatus.FAILED)  # not delivered, not counted
    shop.extra["whole"] = Package.objects.create(
        sheet=shop.sheet, name="All of it", price=Decimal("12000.4"), whole_gallery=shop.digital
    )
    deal = Package.objects.create(sheet=shop.sheet, name="Two prints", price=Decimal("3000"))
    PackageItem.objects.create(package=deal, product=shop.print, quantity=2)
    shop.extra["deal"] = deal
    return shop


def app() -> Client:
    return Client(enforce_csrf_checks=True)


def packages(c, shop, headers=None):
    return c.get(f"{API}/galleries/{shop.gallery.public_id}/packages", headers=headers or {})


def add(c, shop, package=None, headers=None, **body):
    package = package or shop.extra["whole"]
    payload = {
        "gallery_id": str(shop.gallery.public_id),
        "package_id": str(package.public_id),
        **body,
    }
    return c.post(
        f"{API}/cart/packages", payload, content_type="application/json", headers=headers or {}
    )


def test_the_packages_of_a_gallery_with_server_prices(shop):
    response = packages(app(), shop)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["currency"] == "JPY"
    assert body["whole_gallery"] == [
        {
            "package_id": str(shop.extra["whole"].public_id),
            "name": "All of it",
            "product_id": str(shop.digital.public_id),
            "resolution": "full",
            "licence": "personal",
            "photo_count": 2,
            "price": "12000",
            "currency": "JPY",
        }
    ]
    [deal] = body["deals"]
    assert (deal["name"], deal["price"], deal["currency"]) == ("Two prints", "3000", "JPY")
    assert deal["items"] == [
        {"product_id": str(shop.print.public_id), "name": "8x10 print", "quantity": 2}
    ]


def test_adding_the_whole_gallery_makes_a_guest_cart_with_one_line(shop):
    c = app()
    first = add(c, shop, price="1", total="0", currency="EUR")  # prices sent are ignored
    token = first.json()["token"]
    again = add(c, shop, headers={"X-Cart-Token": token})

    assert first.status_code == again.status_code == 201, first.content
    body = again.json()
    assert Cart.objects.count() == 1 and CartLine.objects.count() == 1
    [line] = body["lines"]
    assert line["name"] == "All of it" and line["photo_id"] is None
    assert line["gallery_id"] == str(shop.gallery.public_id)
    assert line["total"] == "12000" and body["currency"] == "JPY"
    assert body["totals"]["total"] == "12000" and body["item_count"] == 1


def test_a_foreign_inactive_or_bundle_package_is_404(shop):
    other = make_shop()
    foreign = Package.objects.create(
        sheet=other.sheet, name="Theirs", price=Decimal("1"), whole_gallery=other.digital
    )
    retired = Package.objects.create(
        sheet=shop.sheet, name="Old", price=Decimal("1"), whole_gallery=shop.digital, active=False
    )

    for package in (foreign, retired, shop.extra["deal"]):
        response = add(app(), shop, package)
        assert response.status_code == 404, package.name
        assert response.json()["message"] == "This package is not sold in this gallery."
    assert not Cart.objects.exists()


def test_a_cart_of_another_photographer_is_409(shop):
    other = make_shop()
    c = app()
    token = c.post(
        f"{API}/cart/lines",
        {
            "gallery_id": str(other.gallery.public_id),
            "photo_id": str(other.photos[0].public_id),
            "product_id": str(other.digital.public_id),
        },
        content_type="application/json",
    ).json()["token"]

    response = add(c, shop, headers={"X-Cart-Token": token})

    assert response.status_code == 409 and "another photographer" in response.json()["message"]
    assert CartLine.objects.count() == 1


def test_a_guest_code_is_403_and_a_private_gallery_needs_its_code(shop):
    shop.gallery.visibility = Visibility.PRIVATE
    shop.gallery.save()
    guest = access.gallery_rotate_access_code(gallery=shop.gallery, kind=access.GUEST)
    client_code = access.gallery_rotate_access_code(gallery=shop.gallery)

    def token(code):
        return (
            app()
            .post(
                f"{API}/galleries/{shop.gallery.public_id}/access",
                {"code": code},
                content_type="application/json",
            )
            .json()["token"]
        )

    as_guest = {"X-Gallery-Token": token(guest)}
    as_client = {"X-Gallery-Token": token(client_code)}

    assert packages(app(), shop, as_guest).status_code == 403
    assert add(app(), shop, headers=as_guest).status_code == 403
    assert packages(app(), shop).status_code == 403  # no token: the gallery asks its code
    assert add(app(), shop).status_code == 403
    assert not CartLine.objects.exists()
    assert packages(app(), shop, as_client).status_code == 200
    assert add(app(), shop, headers=as_client).status_code == 201


def test_the_whole_gallery_checks_out_as_a_download_of_every_ready_photo(shop):
    c = app()
    token = add(c, shop).json()["token"]

    placed = c.post(
        f"{API}/checkout",
        {"email": "ann@example.test"},
        content_type="application/json",
        headers={"X-Cart-Token": token},
    )

    assert placed.status_code == 201, placed.content
    assert placed.json()["total"] == "12000"
    assert Order.objects.get().lines.get().gallery == shop.gallery
