"""/api/v1 orders: the seller's list, detail and actions; the buyer's status and downloads."""

import io
import logging
import zipfile

import pytest
from django.test import Client

from proofsheet.accounts.tests.factories import UserFactory
from proofsheet.fulfillment.models import DownloadGrant
from proofsheet.fulfillment.services import grant_reissue
from proofsheet.galleries.tests.factories import PhotographerFactory
from proofsheet.orders.models import OrderStatus
from proofsheet.orders.tests.support import a_print, digital, place, shop  # noqa: F401

pytestmark = pytest.mark.django_db
API = "/api/v1"


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture
def seller(shop):  # noqa: F811
    gallery, photos = shop
    client = Client()
    client.force_login(gallery.owner)
    return client, gallery, photos


def test_list_detail_and_the_whole_life_of_an_order(seller):
    client, gallery, photos = seller
    order = place(gallery.owner, [a_print(photos[0]), digital(photos[1])], email="ann@x.test")
    base = f"{API}/orders/{order.public_id}"

    listed = client.get(f"{API}/orders", {"status": "pending"}).json()
    assert [o["number"] for o in listed] == [order.number]
    assert listed[0]["total"] == "30.00"
    detail = client.get(base).json()
    assert [line["product_name"] for line in detail["lines"]] == ["8x10 print", "full download"]
    assert detail["events"][0]["kind"] == "placed"

    assert client.post(f"{base}/complete", {}, content_type="application/json").status_code == 409
    paid = client.post(f"{base}/mark-paid", {"reference": "TX"}, content_type="application/json")
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    assert len(paid.json()["downloads"]) == 1
    bad = client.post(
        f"{base}/ship",
        {"carrier": "DHL", "tracking_number": "1", "tracking_url": "ftp://x"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    shipped = client.post(
        f"{base}/ship",
        {"carrier": "DHL", "tracking_number": "JD1"},
        content_type="application/json",
    )
    assert shipped.json()["status"] == "shipped"
    assert shipped.json()["shipments"][0]["tracking_number"] == "JD1"
    grant_id = paid.json()["downloads"][0]["id"]
    again = client.post(f"{base}/downloads/{grant_id}/reissue")
    assert again.status_code == 200
    refunded = client.post(f"{base}/refund", {"reason": "x"}, content_type="application/json")
    assert refunded.json()["status"] == "refunded"
    assert refunded.json()["downloads"][0]["state"] == "revoked"
    csv = client.get(f"{API}/orders/export.csv")
    assert csv.status_code == 200 and order.number in csv.content.decode()
    assert csv["Cache-Control"] == "private, no-store"


def test_another_sellers_orders_are_404(seller):
    _client, gallery, photos = seller
    order = place(gallery.owner, [a_print(photos[0])])
    stranger = Client()
    stranger.force_login(PhotographerFactory())
    base = f"{API}/orders/{order.public_id}"

    assert stranger.get(f"{API}/orders").json() == []
    assert stranger.get(base).status_code == 404
    for action in ("mark-paid", "complete", "cancel", "refund"):
        response = stranger.post(f"{base}/{action}", {}, content_type="application/json")
        assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_a_buyer_reads_their_order_and_downloads_and_nobody_elses(shop):  # noqa: F811
    gallery, photos = shop
    ann, bob = UserFactory(), UserFactory()
    order = place(gallery.owner, [digital(photos[0], "web")], customer=ann, email=ann.email)
    seller = Client()
    seller.force_login(gallery.owner)
    seller.post(f"{API}/orders/{order.public_id}/mark-paid", {}, content_type="application/json")
    as_ann, as_bob = Client(), Client()
    as_ann.force_login(ann)
    as_bob.force_login(bob)
    base = f"{API}/client/orders/{order.public_id}"
    grant = DownloadGrant.objects.get()

    mine = as_ann.get(base).json()
    assert mine["status"] == "paid" and mine["events"] == []
    assert [o["id"] for o in as_ann.get(f"{API}/client/orders").json()] == [str(order.public_id)]
    one = as_ann.get(f"{base}/downloads/{grant.public_id}")
    assert one.status_code == 200 and one["Cache-Control"] == "private, no-store"
    assert "filename*=" in one["Content-Disposition"]
    body(one)
    archive = as_ann.get(f"{base}/downloads.zip")
    data = body(archive)
    assert len(zipfile.ZipFile(io.BytesIO(data)).namelist()) == 1
    assert int(archive["Content-Length"]) == len(data)  # the file was made when it was paid

    assert as_bob.get(base).status_code == 404
    assert as_bob.get(f"{base}/downloads/{grant.public_id}").status_code == 404
    assert as_bob.get(f"{base}/downloads.zip").status_code == 404
    assert as_bob.get(f"{API}/client/orders").json() == []


def test_download_by_token_counts_and_is_never_logged(shop, settings, caplog):  # noqa: F811
    settings.DOWNLOAD_GRANT_MAX = 1
    gallery, photos = shop
    order = place(gallery.owner, [digital(photos[0], "web")])
    seller = Client()
    seller.force_login(gallery.owner)
    seller.post(f"{API}/orders/{order.public_id}/mark-paid", {}, content_type="application/json")
    token = grant_reissue(DownloadGrant.objects.get()).token
    caplog.set_level(logging.DEBUG)
    anonymous = Client()

    first = anonymous.get(f"{API}/downloads/{token}")
    assert first.status_code == 200 and first["Referrer-Policy"] == "no-referrer"
    assert first["X-Content-Type-Options"] == "nosniff"
    body(first)
    assert anonymous.get(f"{API}/downloads/{token}").status_code == 410
    assert anonymous.get(f"{API}/downloads/{token}x").status_code == 404
    assert token not in caplog.text
