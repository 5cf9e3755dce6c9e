"""The photographer's orders in the studio: list, filters, order page, actions, CSV, isolation."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from proofsheet.fulfillment.models import DownloadGrant
from proofsheet.galleries.tests.factories import PhotographerFactory
from proofsheet.notifications.models import OutboundEmail
from proofsheet.orders.models import OrderStatus, Shipment
from proofsheet.orders.tests.support import a_print, digital, place, shop  # noqa: F401
from proofsheet.payments.models import Payment, PaymentStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller(shop):  # noqa: F811
    gallery, photos = shop
    client = Client()
    client.force_login(gallery.owner)
    client.user = gallery.owner
    return client, gallery, photos


def url(name, order, *args):
    return reverse(f"studio:{name}", args=[order.public_id, *args])


def test_the_list_filters_and_the_page_shows_lines_totals_and_log(seller):
    client, gallery, photos = seller
    first = place(gallery.owner, [a_print(photos[0])], email="ann@example.test")
    second = place(gallery.owner, [digital(photos[1])], email="bob@example.test")

    html = client.get(reverse("studio:orders")).content.decode()
    assert first.number in html and second.number in html
    html = client.get(reverse("studio:orders"), {"q": "bob@"}).content.decode()
    assert second.number in html and first.number not in html
    html = client.get(reverse("studio:orders"), {"status": "paid"}).content.decode()
    assert first.number not in html

    page = client.get(url("order", first)).content.decode()
    assert "8x10 print" in page and "20.00 EUR" in page and "placed" in page
    assert "Mark paid" in page and "Mark shipped" not in page


def test_mark_paid_ship_complete_from_the_order_page(seller):
    client, gallery, photos = seller
    order = place(gallery.owner, [a_print(photos[0]), digital(photos[1])])

    response = client.post(url("order_mark_paid", order), {"reference": "TX-9"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert Payment.objects.get(order=order).status == PaymentStatus.SUCCEEDED
    assert DownloadGrant.objects.filter(order_line__order=order).count() == 1

    client.post(
        url("order_ship", order),
        {"carrier": "UPS", "tracking_number": "1Z999", "tracking_url": "https://ups.example/1Z"},
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert Shipment.objects.get(order=order).tracking_number == "1Z999"
    assert OutboundEmail.objects.filter(body_text__contains="1Z999").count() == 1

    client.post(url("order_complete", order))
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    page = client.get(url("order", order)).content.decode()
    assert "pending → paid" in page and "paid → shipped" in page and "shipped → completed" in page


def test_a_disallowed_action_changes_nothing_and_says_why(seller):
    client, gallery, photos = seller
    order = place(gallery.owner, [a_print(photos[0])])

    response = client.post(url("order_complete", order), follow=True)

    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert "cannot become completed" in response.content.decode()


def test_refund_revokes_and_reissue_emails_a_new_link(seller):
    client, gallery, photos = seller
    order = place(gallery.owner, [digital(photos[0])])
    client.post(url("order_mark_paid", order))
    grant = DownloadGrant.objects.get()
    before = OutboundEmail.objects.count()

    client.post(url("order_grant_reissue", order, grant.public_id))
    assert OutboundEmail.objects.count() == before + 1
    assert "new download link" in OutboundEmail.objects.order_by("id").last().subject
    assert order.events.filter(kind="download_reissued", actor=gallery.owner).count() == 1

    client.post(url("order_refund", order), {"reason": "damaged"})
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert DownloadGrant.objects.get().revoked_at is not None


def test_cancel_a_pending_order(seller):
    client, gallery, photos = seller
    order = place(gallery.owner, [a_print(photos[0])])
    client.post(url("order_cancel", order), {"reason": "no reply"})
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


def test_csv_export(seller):
    client, gallery, photos = seller
    order = place(gallery.owner, [a_print(photos[0])])
    response = client.get(reverse("studio:orders_export"))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"  # buyers' emails: no shared cache
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [row[0] for row in rows[1:]] == [order.number]


def test_another_sellers_orders_are_404_everywhere(seller):
    client, gallery, photos = seller
    order = place(gallery.owner, [digital(photos[0])])
    client.post(url("order_mark_paid", order))
    grant = DownloadGrant.objects.get()
    stranger = Client()
    stranger.force_login(PhotographerFactory())

    assert order.number not in stranger.get(reverse("studio:orders")).content.decode()
    assert order.number not in stranger.get(reverse("studio:orders_export")).content.decode()
    assert stranger.get(url("order", order)).status_code == 404
    for name in ("order_mark_paid", "order_ship", "order_complete", "order_cancel", "order_refund"):
        assert stranger.post(url(name, order)).status_code == 404
    assert stranger.post(url("order_grant_reissue", order, grant.public_id)).status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
