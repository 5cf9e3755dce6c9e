"""/api/v1 for the catalogue: sheets, products, options, packages, photo prices, markup, gallery
pricing, store settings, tax rules; foreign objects are 404; the client's priced products."""

import pytest
from django.test import Client

from proofsheet.accounts.tests.factories import UserFactory
from proofsheet.catalog import products, sheets
from proofsheet.catalog.models import GalleryPricing, PhotoPrice, PriceSheet
from proofsheet.catalog.tests.factories import PriceSheetFactory, PrintFactory, foreign_catalogue
from proofsheet.galleries import access
from proofsheet.galleries.models import Visibility
from proofsheet.galleries.tests.factories import GalleryFactory, make_photo

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
J = {"content_type": "application/json"}


def test_sheet_products_options_packages_round_trip(photographer_client):
    c = photographer_client
    created = c.post("/api/v1/price-sheets", {"name": "Weddings", "currency": "JPY"}, **J)
    assert created.status_code == 201, created.content
    sheet = created.json()
    assert sheet["currency"] == "JPY" and sheet["products"] == []

    url = f"/api/v1/price-sheets/{sheet['id']}/products"
    bad = c.post(url, {"kind": "print", "name": "8x10", "finish": "paper", "price": "1500"}, **J)
    assert bad.status_code == 422 and "size" in bad.json()["message"]
    too_precise = c.post(
        url,
        {"kind": "print", "name": "8x10", "finish": "paper", "width_in": 8, "height_in": 10,
         "price": "1500.5"},
        **J,
    )  # fmt: skip
    assert too_precise.status_code == 422 and "decimals" in too_precise.json()["message"]
    negative = c.post(url, {"kind": "digital", "name": "x", "resolution": "web",
                            "licence": "personal", "price": -1}, **J)  # fmt: skip
    assert negative.status_code == 422

    product = c.post(
        url,
        {"kind": "print", "name": "8x10", "finish": "paper", "width_in": 8, "height_in": 10,
         "price": 1500, "cost": "400"},
        **J,
    ).json()  # fmt: skip
    assert product["price"] == "1500" and product["width_in"] == "8" and product["cost"] == "400"
    option = c.post(
        f"/api/v1/products/{product['id']}/options",
        {"group": "Paper", "name": "Lustre", "price_delta": "100"},
        **J,
    )
    assert option.status_code == 201 and option.json()["price_delta"] == "100"
    patched = c.patch(f"/api/v1/products/{product['id']}", {"active": False}, **J).json()
    assert patched["active"] is False and patched["options"][0]["name"] == "Lustre"

    package = c.post(
        f"/api/v1/price-sheets/{sheet['id']}/packages",
        {
            "name": "3 prints",
            "price": 4000,
            "items": [{"product_id": product["id"], "quantity": 3}],
        },
        **J,
    )
    assert package.status_code == 201, package.content
    assert package.json()["items"] == [{"product_id": product["id"], "quantity": 3}]
    renamed = c.patch(f"/api/v1/packages/{package.json()['id']}", {"name": "Three"}, **J)
    assert renamed.json()["name"] == "Three" and renamed.json()["items"][0]["quantity"] == 3

    detail = c.get(f"/api/v1/price-sheets/{sheet['id']}").json()
    assert [p["name"] for p in detail["products"]] == ["8x10"]
    assert [p["name"] for p in detail["packages"]] == ["Three"]

    markup = c.post(f"/api/v1/price-sheets/{sheet['id']}/markup", {"cost_factor": "3.3"}, **J)
    assert markup.json() == {"changed": 1}
    assert c.get(f"/api/v1/products/{product['id']}").json()["price"] == "1320"

    assert c.delete(f"/api/v1/options/{option.json()['id']}").status_code == 204
    assert c.delete(f"/api/v1/packages/{package.json()['id']}").status_code == 204
    assert c.delete(f"/api/v1/products/{product['id']}").status_code == 204
    assert c.delete(f"/api/v1/price-sheets/{sheet['id']}").status_code == 204
    assert not PriceSheet.objects.exists()


def test_starter_default_duplicate_and_gallery_assignment(photographer_client):
    c = photographer_client
    starter = c.post(
        "/api/v1/price-sheets", {"name": "Starter", "currency": "EUR", "starter": True}, **J
    ).json()
    assert starter["is_default"] and len(starter["products"]) == 12
    assert {p["name"] for p in starter["packages"]} == {
        "The whole gallery (digital)",
        "10 web downloads",
    }

    # New galleries made through the API get the default sheet.
    gallery = c.post("/api/v1/galleries", {"title": "Smith"}, **J).json()
    pricing = c.get(f"/api/v1/galleries/{gallery['id']}/price-sheet").json()
    assert pricing["sheet"]["id"] == starter["id"]

    copy = c.post(f"/api/v1/price-sheets/{starter['id']}/duplicate", {"name": "Copy"}, **J)
    assert copy.status_code == 201 and copy.json()["is_default"] is False
    copy_id = copy.json()["id"]
    made_default = c.patch(f"/api/v1/price-sheets/{copy_id}", {"is_default": True}, **J).json()
    assert made_default["is_default"]
    assert [s["id"] for s in c.get("/api/v1/price-sheets").json() if s["is_default"]] == [copy_id]

    assigned = c.put(
        f"/api/v1/galleries/{gallery['id']}/price-sheet", {"sheet_id": copy_id}, **J
    ).json()
    assert assigned["sheet"]["id"] == copy_id
    in_use = c.delete(f"/api/v1/price-sheets/{copy_id}")
    assert in_use.status_code == 409 and "used by 1 gallery" in in_use.json()["message"]
    c.put(f"/api/v1/galleries/{gallery['id']}/price-sheet", {"sheet_id": None}, **J)
    assert not GalleryPricing.objects.exists()
    assert c.delete(f"/api/v1/price-sheets/{copy_id}").status_code == 204


def test_foreign_catalogue_objects_are_404(photographer_client):
    c = photographer_client
    theirs = foreign_catalogue()
    sheet, product, option, package = theirs.sheet, theirs.product, theirs.option, theirs.package
    rule, photo = theirs.rule, theirs.photo
    my_sheet = PriceSheetFactory(owner=c.user)
    my_gallery = GalleryFactory(owner=c.user)

    assert c.get(f"/api/v1/price-sheets/{sheet.public_id}").status_code == 404
    assert c.patch(f"/api/v1/price-sheets/{sheet.public_id}", {"name": "x"}, **J).status_code == 404
    assert c.delete(f"/api/v1/price-sheets/{sheet.public_id}").status_code == 404
    assert (
        c.post(f"/api/v1/price-sheets/{sheet.public_id}/markup", {"percent": 10}, **J).status_code
        == 404
    )
    assert c.get(f"/api/v1/products/{product.public_id}").status_code == 404
    assert c.delete(f"/api/v1/options/{option.public_id}").status_code == 404
    assert c.get(f"/api/v1/packages/{package.public_id}").status_code == 404
    assert c.delete(f"/api/v1/store/tax-rules/{rule.public_id}").status_code == 404
    assert c.get(f"/api/v1/photos/{photo.public_id}/prices").status_code == 404
    assert (
        c.put(
            f"/api/v1/galleries/{my_gallery.public_id}/price-sheet",
            {"sheet_id": str(sheet.public_id)},
            **J,
        ).status_code
        == 404
    )
    # A foreign product in my package is a 404 too, never a silent skip.
    assert (
        c.post(
            f"/api/v1/price-sheets/{my_sheet.public_id}/packages",
            {"name": "P", "price": 1, "items": [{"product_id": str(product.public_id)}]},
            **J,
        ).status_code
        == 404
    )
    # Another photographer's product has no price of my photo, to set or to clear.
    my_photo = make_photo(my_gallery)
    price_url = f"/api/v1/products/{product.public_id}/photos/{my_photo.public_id}/price"
    assert c.put(price_url, {"price": "5"}, **J).status_code == 404
    assert c.delete(price_url).status_code == 404
    assert product.options.count() == 1 and sheet.packages.count() == 1
    assert not PhotoPrice.objects.exists()

    client = Client()
    client.force_login(UserFactory())
    assert client.get("/api/v1/price-sheets").status_code == 403


def test_photo_price_overrides(photographer_client):
    c = photographer_client
    sheet = PriceSheetFactory(owner=c.user)
    product = PrintFactory(sheet=sheet)
    gallery = GalleryFactory(owner=c.user)
    sheets.gallery_pricing_set(gallery=gallery, sheet=sheet)
    photo = make_photo(gallery)
    url = f"/api/v1/products/{product.public_id}/photos/{photo.public_id}/price"

    assert c.put(url, {"price": "12.345"}, **J).status_code == 422
    rows = c.put(url, {"price": "25"}, **J).json()
    assert rows == [
        {
            "product_id": str(product.public_id),
            "photo_id": str(photo.public_id),
            "name": product.name,
            "sheet_price": "15.00",
            "price": "25.00",
            "currency": "EUR",
            "overridden": True,
        }
    ]
    assert c.delete(url).status_code == 204
    assert c.get(f"/api/v1/photos/{photo.public_id}/prices").json()[0]["price"] == "15.00"


def test_store_settings_and_tax_rules(photographer_client):
    c = photographer_client
    assert c.get("/api/v1/store/settings").json()["prices_include_tax"] is True
    put = c.put(
        "/api/v1/store/settings",
        {"prices_include_tax": False, "payment_instructions": "Pay to IBAN …"},
        **J,
    )
    assert put.json() == {
        "prices_include_tax": False,
        "payment_instructions": "Pay to IBAN …",
        "client_payment": "",
        "client_payment_now": "offline",
        "cards_available": False,
    }
    assert (
        c.put("/api/v1/store/settings", {"payment_instructions": "a\x00b"}, **J).status_code == 422
    )

    assert c.post("/api/v1/store/tax-rules", {"country": "D1"}, **J).status_code == 422
    rule = c.post(
        "/api/v1/store/tax-rules",
        {"country": "us", "region": "CA", "physical_rate": "8.875", "digital_rate": 0},
        **J,
    )
    assert rule.status_code == 201
    assert rule.json() | {"id": None} == {
        "id": None,
        "country": "US",
        "region": "CA",
        "physical_rate": "8.875",
        "digital_rate": "0",
    }
    again = c.post("/api/v1/store/tax-rules", {"country": "US", "region": "CA"}, **J)
    assert again.status_code == 422
    patched = c.patch(
        f"/api/v1/store/tax-rules/{rule.json()['id']}", {"physical_rate": 20}, **J
    ).json()
    assert patched["physical_rate"] == "20"
    assert len(c.get("/api/v1/store/tax-rules").json()) == 1
    assert c.delete(f"/api/v1/store/tax-rules/{rule.json()['id']}").status_code == 204


def test_client_sees_server_priced_products_of_a_photo():
    sheet = PriceSheetFactory(currency="EUR")
    gallery = GalleryFactory(owner=sheet.owner, visibility=Visibility.PRIVATE)
    code = access.gallery_rotate_access_code(gallery=gallery)
    sheets.gallery_pricing_set(gallery=gallery, sheet=sheet)
    photo = make_photo(gallery)
    shown = PrintFactory(sheet=sheet, name="8x10", price="15")
    products.option_add(product=shown, group="Paper", name="Lustre", price_delta="1.5")
    PrintFactory(sheet=sheet, name="hidden", active=False)
    products.photo_price_set(product=shown, photo=photo, price="30")

    app = Client(enforce_csrf_checks=True)
    url = f"/api/v1/client/galleries/{gallery.public_id}/photos/{photo.public_id}/products"
    assert app.get(url).status_code == 403  # no code yet
    token = app.post(
        f"/api/v1/client/galleries/{gallery.public_id}/access", {"code": code}, **J
    ).json()["token"]
    body = app.get(url, headers={"X-Gallery-Token": token}).json()
    assert body["currency"] == "EUR" and body["prices_include_tax"] is True
    assert [(p["name"], p["price"]) for p in body["products"]] == [("8x10", "30.00")]
    assert body["products"][0]["options"][0]["price_delta"] == "1.50"
    assert "cost" not in body["products"][0]

    other = make_photo(GalleryFactory(owner=sheet.owner), "other.jpg")
    foreign = f"/api/v1/client/galleries/{gallery.public_id}/photos/{other.public_id}/products"
    assert app.get(foreign, headers={"X-Gallery-Token": token}).status_code == 404
    assert (
        app.get(
            url.replace(str(photo.public_id), "nope"), headers={"X-Gallery-Token": token}
        ).status_code
        == 404
    )
