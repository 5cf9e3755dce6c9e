"""/api/v1 for the photographer's discount codes and shipping methods and rates: round trips,
every rule as a 422 with its reason, a used code is 409 on delete, another photographer's code,
gallery, method or rate is 404, clients 403."""

import uuid

import pytest
from django.db.models import F
from django.test import Client

from proofsheet.accounts.tests.factories import UserFactory
from proofsheet.cart import discounts
from proofsheet.cart.models import Discount, DiscountUse
from proofsheet.fulfillment import shipping
from proofsheet.fulfillment.models import ShippingMethod, ShippingRate
from proofsheet.galleries.tests.factories import GalleryFactory, PhotographerFactory
from proofsheet.orders.models import Order

pytestmark = pytest.mark.django_db
J = {"content_type": "application/json"}
API = "/api/v1"


def test_discount_round_trip(photographer_client):
    c = photographer_client
    gallery = GalleryFactory(owner=c.user)
    created = c.post(
        f"{API}/discounts",
        {"code": "summer10", "kind": "percent", "value": "12.5", "min_order": "50",
         "currency": "EUR", "max_uses": 3, "max_uses_per_customer": 1,
         "gallery_id": str(gallery.public_id), "product_kinds": ["print"],
         "starts_at": "2026-06-01T00:00:00Z", "ends_at": "2026-09-01T00:00:00+02:00"},
        **J,
    )  # fmt: skip
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["code"] == "SUMMER10" and body["value"] == "12.5"
    assert body["min_order"] == "50.00" and body["currency"] == "EUR"
    assert body["uses"] == 0 and body["uses_left"] == 3 and body["active"] is True
    assert body["gallery_id"] == str(gallery.public_id) and body["product_kinds"] == ["print"]
    assert body["ends_at"].startswith("2026-08-31T22:00:00")  # stored in UTC

    listed = c.get(f"{API}/discounts").json()
    assert [d["code"] for d in listed] == ["SUMMER10"]
    url = f"{API}/discounts/{body['id']}"
    assert c.get(url).json() == body

    patched = c.patch(
        url, {"kind": "fixed", "value": 5, "max_uses": None, "gallery_id": None}, **J
    ).json()
    assert (patched["kind"], patched["value"], patched["currency"]) == ("fixed", "5.00", "EUR")
    assert patched["max_uses"] is None and patched["uses_left"] is None
    assert patched["gallery_id"] is None and patched["min_order"] == "50.00"
    assert patched["starts_at"] == body["starts_at"]  # untouched

    disabled = c.post(f"{url}/disable")
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert c.patch(url, {"active": True}, **J).json()["active"] is True

    assert c.delete(url).status_code == 204
    assert c.get(url).status_code == 404


def test_jpy_fixed_amounts_and_free_shipping(photographer_client):
    c = photographer_client
    yen = c.post(
        f"{API}/discounts", {"code": "YEN", "kind": "fixed", "value": 500, "currency": "JPY"}, **J
    ).json()
    assert yen["value"] == "500" and yen["min_order"] == "0"
    free = c.post(f"{API}/discounts", {"code": "SHIP", "kind": "free_shipping"}, **J).json()
    assert free["value"] == "0" and free["currency"] is None


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [({"code": "x", "kind": "percent", "value": 10}, 422, "2 to 40 characters"),
     ({"code": "OK", "kind": "percent", "value": 0}, 422, "more than 0"),
     ({"code": "OK", "kind": "percent", "value": "100.5"}, 422, "at most 100"),
     ({"code": "OK", "kind": "fixed", "value": 5}, 422, "currency"),
     ({"code": "OK", "kind": "fixed", "value": "5.5", "currency": "JPY"}, 422, "0 decimals"),
     ({"code": "OK", "kind": "fixed", "value": "-5", "currency": "EUR"}, 422, "between 0"),
     ({"code": "OK", "kind": "percent", "value": 5, "min_order": 10}, 422, "minimum order"),
     ({"code": "OK", "kind": "percent", "value": 5, "starts_at": "2030-01-02T00:00:00Z",
       "ends_at": "2030-01-01T00:00:00Z"}, 422, "end after it starts"),
     ({"code": "OK", "kind": "percent", "value": 5, "max_uses": 1,
       "max_uses_per_customer": 2}, 422, "above the total"),
     ({"code": "OK", "kind": "percent", "value": 5, "max_uses": 0}, 422, None),
     ({"code": "OK", "kind": "bogo", "value": 5}, 422, None),
     ({"code": "OK", "kind": "percent", "value": 5, "product_kinds": ["mug"]}, 422, None),
     ({"code": "OK", "kind": "percent", "value": 5, "starts_at": "2030-01-01T00:00"}, 422, None)],
)  # fmt: skip
def test_discount_rules_are_422_with_the_reason(photographer_client, body, status, reason):
    response = photographer_client.post(f"{API}/discounts", body, **J)
    assert response.status_code == status, response.content
    if reason:
        assert reason in response.json()["message"]
    assert not Discount.objects.exists()


def test_duplicate_code_and_used_code(photographer_client):
    c = photographer_client
    first = c.post(f"{API}/discounts", {"code": "TEN", "kind": "percent", "value": 10}, **J)
    again = c.post(f"{API}/discounts", {"code": "ten", "kind": "percent", "value": 5}, **J)
    assert again.status_code == 422 and "already have a code TEN" in again.json()["message"]
    code = Discount.objects.get(public_id=first.json()["id"])
    order = Order.objects.create(
        number=f"T-{uuid.uuid4().hex[:12]}", seller=c.user, email="a@example.test",
        currency="EUR", subtotal=0, total=0,
    )  # fmt: skip
    Discount.objects.filter(pk=code.pk).update(uses=F("uses") + 2)
    DiscountUse.objects.create(discount=code, order=order, email="a@example.test")
    url = f"{API}/discounts/{code.public_id}"
    refused = c.delete(url)
    assert refused.status_code == 409 and "disable it instead" in refused.json()["message"]
    lower = c.patch(url, {"max_uses": 1}, **J)
    assert lower.status_code == 422 and "used 2 times" in lower.json()["message"]
    rename = c.patch(url, {"code": "ELEVEN"}, **J)
    assert rename.status_code == 422 and "cannot change" in rename.json()["message"]
    assert c.get(url).json()["uses"] == 2


def test_another_photographers_codes_and_galleries_are_404(photographer_client):
    c = photographer_client
    theirs = discounts.discount_create(
        owner=PhotographerFactory(), code="THEIRS", kind="percent", value=5
    )
    url = f"{API}/discounts/{theirs.public_id}"
    assert c.get(url).status_code == 404
    assert c.patch(url, {"value": 50}, **J).status_code == 404
    assert c.post(f"{url}/disable").status_code == 404
    assert c.delete(url).status_code == 404
    assert c.get(f"{API}/discounts/{uuid.uuid4()}").status_code == 404
    assert c.get(f"{API}/discounts").json() == []
    theirs.refresh_from_db()
    assert theirs.value == 5 and theirs.active

    foreign = GalleryFactory()
    body = {"code": "MINE", "kind": "percent", "value": 5, "gallery_id": str(foreign.public_id)}
    assert c.post(f"{API}/discounts", body, **J).status_code == 404
    mine = c.post(f"{API}/discounts", body | {"gallery_id": None}, **J).json()
    patch = c.patch(f"{API}/discounts/{mine['id']}", {"gallery_id": str(foreign.public_id)}, **J)
    assert patch.status_code == 404
    assert Discount.objects.get(public_id=mine["id"]).gallery is None


def test_clients_get_403_and_strangers_401():
    client = Client()
    client.force_login(UserFactory())
    assert client.get(f"{API}/discounts").status_code == 403
    assert client.get(f"{API}/shipping-methods").status_code == 403
    assert Client().get(f"{API}/discounts").status_code == 401


# --- shipping ------------------------------------------------------------------------------------


def test_shipping_round_trip(photographer_client):
    c = photographer_client
    created = c.post(
        f"{API}/shipping-methods", {"name": "Tracked", "kind": "expedited", "currency": "JPY"}, **J
    )
    assert created.status_code == 201, created.content
    method = created.json()
    assert method["rates"] == [] and method["active"] is True and method["kind"] == "expedited"
    rates = f"{API}/shipping-methods/{method['id']}/rates"
    jp = c.post(
        rates,
        {"countries": ["jp"], "first_item": 800, "additional_item": "200", "per_kg": 100},
        **J,
    )
    assert jp.status_code == 201, jp.content
    assert jp.json()["countries"] == ["JP"] and jp.json()["first_item"] == "800"
    rest = c.post(rates, {"countries": [], "first_item": 3000}, **J).json()
    assert rest["countries"] == [] and rest["per_kg"] == "0"

    got = c.get(f"{API}/shipping-methods/{method['id']}").json()
    assert [r["countries"] for r in got["rates"]] == [["JP"], []]
    assert [m["name"] for m in c.get(f"{API}/shipping-methods").json()] == ["Tracked"]

    patched = c.patch(f"{API}/shipping-rates/{jp.json()['id']}", {"countries": ["JP", "KR"]}, **J)
    assert patched.json()["countries"] == ["JP", "KR"] and patched.json()["first_item"] == "800"
    renamed = c.patch(
        f"{API}/shipping-methods/{method['id']}", {"name": "Courier", "active": False}, **J
    ).json()
    assert renamed["name"] == "Courier" and renamed["active"] is False
    assert c.delete(f"{API}/shipping-rates/{rest['id']}").status_code == 204
    assert c.delete(f"{API}/shipping-methods/{method['id']}").status_code == 204
    assert not ShippingMethod.objects.exists() and not ShippingRate.objects.exists()


def test_shipping_rules_are_422_with_the_reason(photographer_client):
    c = photographer_client
    method = c.post(f"{API}/shipping-methods", {"name": "Post", "currency": "EUR"}, **J).json()
    rates = f"{API}/shipping-methods/{method['id']}/rates"
    assert c.post(rates, {"countries": [], "first_item": "9.90"}, **J).status_code == 201
    cases = [
        ({"countries": []}, "everywhere else"),
        ({"countries": ["F1"]}, "two-letter country code"),
        ({"countries": ["FR"], "first_item": "1.234"}, "2 decimals"),
        ({"countries": ["FR"], "per_kg": -1}, "between 0"),
    ]
    for body, reason in cases:
        response = c.post(rates, body, **J)
        assert response.status_code == 422 and reason in response.json()["message"], body
    assert c.post(rates, {"countries": ["FRA"]}, **J).status_code == 422
    assert (
        c.post(f"{API}/shipping-methods", {"name": " ", "currency": "EUR"}, **J).status_code == 422
    )
    assert c.post(f"{API}/shipping-methods", {"name": "X", "kind": "drone"}, **J).status_code == 422
    currency = c.patch(f"{API}/shipping-methods/{method['id']}", {"currency": "JPY"}, **J)
    assert currency.status_code == 422 and "more decimals than JPY" in currency.json()["message"]
    fr = c.post(rates, {"countries": ["FR"]}, **J).json()
    clash = c.post(rates, {"countries": ["fr", "de"]}, **J)
    assert clash.status_code == 422 and "FR already in another rate" in clash.json()["message"]
    assert c.patch(f"{API}/shipping-rates/{fr['id']}", {"countries": []}, **J).status_code == 422


def test_another_photographers_methods_and_rates_are_404(photographer_client):
    c = photographer_client
    theirs = shipping.shipping_method_create(owner=PhotographerFactory(), name="Theirs")
    rate = shipping.shipping_rate_create(method=theirs, countries="")
    m, r = f"{API}/shipping-methods/{theirs.public_id}", f"{API}/shipping-rates/{rate.public_id}"
    assert c.get(m).status_code == 404
    assert c.patch(m, {"name": "Mine"}, **J).status_code == 404
    assert c.post(f"{m}/rates", {"countries": ["FR"]}, **J).status_code == 404
    assert c.delete(m).status_code == 404
    assert c.patch(r, {"first_item": 1}, **J).status_code == 404
    assert c.delete(r).status_code == 404
    assert c.get(f"{API}/shipping-methods").json() == []
    assert ShippingMethod.objects.filter(name="Theirs").exists()
    assert ShippingRate.objects.filter(pk=rate.pk, first_item=0).exists()


def test_openapi_describes_the_endpoints(photographer_client):
    spec = photographer_client.get(f"{API}/openapi.json").json()
    for path in ("/api/v1/discounts", "/api/v1/discounts/{discount_id}",
                 "/api/v1/shipping-methods/{method_id}/rates",
                 "/api/v1/shipping-rates/{rate_id}"):  # fmt: skip
        assert path in spec["paths"]
