"""The order state machine (R34), seller actions, emails, selectors, links and the CSV export."""

import csv
import io

import pytest
from django.core import signing

from proofsheet.core.errors import Invalid
from proofsheet.fulfillment.models import DownloadGrant
from proofsheet.galleries.tests.factories import PhotographerFactory
from proofsheet.notifications.models import OutboundEmail
from proofsheet.orders import selectors, services
from proofsheet.orders.models import Order, OrderEvent, OrderStatus, Shipment
from proofsheet.orders.services import TRANSITIONS, TransitionNotAllowed
from proofsheet.orders.tests.support import a_print, digital, place

pytestmark = pytest.mark.django_db

ALL = list(OrderStatus.values)
DISALLOWED = [(a, b) for a in ALL for b in ALL if b not in TRANSITIONS[a]]
ALLOWED = [(a, b) for a in ALL for b in sorted(TRANSITIONS[a])]


@pytest.fixture
def order(shop):
    gallery, photos = shop
    return place(gallery.owner, [digital(photos[0]), a_print(photos[1])])


def _force(order, status):
    Order.objects.filter(pk=order.pk).update(status=status)
    order.refresh_from_db()


@pytest.mark.parametrize(("start", "to"), DISALLOWED)
def test_every_disallowed_transition_raises_and_logs_nothing(order, start, to):
    _force(order, start)
    events = OrderEvent.objects.filter(order=order).count()
    emails = OutboundEmail.objects.count()

    with pytest.raises(TransitionNotAllowed):
        services.order_transition(order=order, to=to)

    order.refresh_from_db()
    assert order.status == start
    assert OrderEvent.objects.filter(order=order).count() == events
    assert OutboundEmail.objects.count() == emails
    assert not DownloadGrant.objects.filter(order_line__order=order).exists()


@pytest.mark.parametrize(("start", "to"), ALLOWED)
def test_every_allowed_transition_is_logged(order, start, to):
    _force(order, start)
    seller = order.seller

    services.order_transition(order=order, to=to, actor=seller, message="why")

    order.refresh_from_db()
    assert order.status == to
    event = OrderEvent.objects.filter(order=order).last()
    assert (event.from_status, event.to_status, event.actor, event.message) == (
        start,
        to,
        seller,
        "why",
    )


def test_a_placed_order_starts_pending_with_a_placed_event(order):
    assert order.status == OrderStatus.PENDING
    assert [e.kind for e in selectors.order_events(order)] == ["placed"]


def test_confirmation_email_is_queued_once_with_html_and_text(order):
    assert services.order_confirmation_send(order) is True
    assert services.order_confirmation_send(order) is False

    mail = OutboundEmail.objects.get()
    assert mail.to == ["buyer@example.test"]
    assert order.number in mail.subject
    assert "8x10 print" in mail.body_text and "8x10 print" in mail.body_html
    assert services.order_access_url(order) in mail.body_text


def test_shipping_records_the_shipment_logs_it_and_emails_the_tracking(order):
    _force(order, OrderStatus.PAID)
    before = OutboundEmail.objects.count()

    shipment = services.order_mark_shipped(
        order=order,
        carrier="DHL",
        tracking_number="JD0123",
        tracking_url="https://track.example/JD0123",
        actor=order.seller,
    )

    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert Shipment.objects.get() == shipment
    assert OrderEvent.objects.filter(order=order, kind="shipped", message="DHL JD0123").exists()
    mail = OutboundEmail.objects.order_by("id").last()
    assert OutboundEmail.objects.count() == before + 1
    assert "JD0123" in mail.body_text and "https://track.example/JD0123" in mail.body_html


def test_shipping_rejects_bad_input_and_pending_orders(order):

    with pytest.raises(Invalid):
        services.order_mark_shipped(
            order=order, carrier="DHL", tracking_number="1", tracking_url="javascript:alert(1)"
        )
    with pytest.raises(TransitionNotAllowed):
        services.order_mark_shipped(order=order, carrier="DHL", tracking_number="1")
    assert not Shipment.objects.exists()


def test_a_digital_only_order_cannot_ship(shop):
    gallery, photos = shop
    order = place(gallery.owner, [digital(photos[0])])
    _force(order, OrderStatus.PAID)
    with pytest.raises(TransitionNotAllowed):
        services.order_mark_shipped(order=order, carrier="DHL", tracking_number="1")


def test_complete_and_cancel(order, shop):
    gallery, photos = shop
    _force(order, OrderStatus.SHIPPED)
    services.order_complete(order=order, actor=order.seller)
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED

    other = place(gallery.owner, [a_print(photos[0])])
    services.order_cancel(order=other, actor=other.seller, reason="client asked")
    other.refresh_from_db()
    assert other.status == OrderStatus.CANCELLED
    assert other.events.last().message == "client asked"


def test_sellers_see_only_their_orders_with_filters(order, shop):
    gallery, photos = shop
    second = place(gallery.owner, [a_print(photos[0])], email="zoe@example.test")
    _force(second, OrderStatus.PAID)
    stranger = PhotographerFactory()

    assert list(selectors.orders_for_seller(gallery.owner)) == [second, order]
    assert list(selectors.orders_for_seller(gallery.owner, status="paid")) == [second]
    assert list(selectors.orders_for_seller(gallery.owner, q="zoe@")) == [second]
    assert list(selectors.orders_for_seller(gallery.owner, q=order.number)) == [order]
    assert list(selectors.orders_for_seller(stranger)) == []
    assert selectors.order_get_for_seller(stranger, order.public_id) is None
    assert selectors.order_get_for_seller(gallery.owner, order.public_id) == order
    assert selectors.order_get_for_seller(gallery.owner, "not-a-uuid") is None


def test_customers_see_only_their_own_orders(shop):
    from proofsheet.accounts.tests.factories import UserFactory

    gallery, photos = shop
    ann, bob = UserFactory(), UserFactory()
    mine = place(gallery.owner, [a_print(photos[0])], customer=ann, email=ann.email)
    assert selectors.order_get_for_customer(ann, mine.public_id) == mine
    assert selectors.order_get_for_customer(bob, mine.public_id) is None
    assert list(selectors.orders_for_customer(bob)) == []


def test_the_signed_order_link_opens_its_order_and_a_tampered_one_nothing(order):
    token = services.order_access_token(order)
    assert services.order_from_access_token(token) == order
    assert services.order_from_access_token(token[:-2] + "xx") is None
    forged = signing.dumps(str(order.public_id), salt="some.other.salt", compress=True)
    assert services.order_from_access_token(forged) is None
    assert services.order_from_access_token("") is None


def test_csv_export_has_one_row_per_order_and_neutralises_formulas(shop):
    gallery, photos = shop
    order = place(gallery.owner, [a_print(photos[0])], email="=cmd@example.test")
    rows = list(csv.reader(io.StringIO(services.orders_csv([order]))))
    assert rows[0][:3] == ["number", "placed_at", "status"]
    assert rows[1][0] == order.number
    assert rows[1][3] == "'=cmd@example.test"
    assert rows[1][9] == "20.00"
