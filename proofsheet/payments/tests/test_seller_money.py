"""What photographers and admins see of card money, against the Stripe stand-in (a real HTTP
server speaking Stripe's shapes): refunds from the studio and the API, disputes from signed
events on the real webhook endpoint, the ledger (written once per provider object), its page
and CSV, and the platform's totals for staff only."""

from __future__ import annotations

import csv
import io
import time
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from proofsheet.fulfillment.models import DownloadGrant
from proofsheet.notifications.models import Notification, OutboundEmail
from proofsheet.orders.models import OrderStatus
from proofsheet.orders.tests.support import digital, place
from proofsheet.payments import cards
from proofsheet.payments.ledger import ledger_record
from proofsheet.payments.models import (
    ConnectedAccount,
    Dispute,
    LedgerEntry,
    Payment,
    Refund,
)
from proofsheet.payments.tests.stripe_support import WEBHOOK_SECRET, signed, use_stripe

WEBHOOK = "/payments/webhook/stripe/"


@pytest.fixture
def standin_shop(shop, settings, standin):
    use_stripe(settings, standin.base_url)
    return shop


def _paid(shop, prices=("10.00", "15.00"), method="pm_card_visa"):
    gallery, photos = shop
    order = place(
        gallery.owner,
        [digital(photo, price=price) for photo, price in zip(photos, prices, strict=False)],
        provider="stripe",
    )
    cards.card_payment_confirm(order, payment_method=method)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return order


def _seller_client(order) -> Client:
    client = Client()
    client.force_login(order.seller)
    return client


def _post_event(client, event: dict):
    body, header = signed(event)
    response = client.post(
        WEBHOOK, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )
    assert response.status_code == 200, response.content
    return response


def _ledger(order) -> list[tuple[str, Decimal]]:
    return sorted((e.kind, e.amount) for e in LedgerEntry.objects.filter(seller=order.seller))


def _grant_states(order) -> list[str]:
    return sorted(g.state for g in DownloadGrant.objects.filter(order_line__order=order))


# --- refunds: studio and API -----------------------------------------------------------------


def test_the_studio_refunds_one_line_and_shows_the_payment_and_what_is_left(standin_shop):
    order = _paid(standin_shop)
    first, second = order.lines.all()
    client = _seller_client(order)
    page = client.get(f"/studio/orders/{order.public_id}/").content.decode()
    assert "Visa •••• 4242" in page and "Chosen items" in page

    response = client.post(
        f"/studio/orders/{order.public_id}/refund/",
        {"what": "lines", "lines": [str(first.public_id)], "reason": "wrong crop"},
        follow=True,
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "A refund of" in page and "wrong crop" in page
    assert 'data-testid="refundable">15.00' in page.replace(" EUR", "").replace("€", "")
    assert _grant_states(order) == ["ready", "revoked"]
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert ("refund", Decimal("-10.00")) in _ledger(order)

    # Ticking items but leaving "the rest" chosen refunds nothing and says why.
    response = client.post(
        f"/studio/orders/{order.public_id}/refund/",
        {"what": "rest", "lines": [str(second.public_id)]},
        follow=True,
    )
    assert "choose “Chosen items”" in response.content.decode()
    assert Refund.objects.filter(payment__order=order).count() == 1


def test_the_api_refunds_an_amount_then_refuses_more_than_is_left(standin_shop):
    order = _paid(standin_shop)
    client = _seller_client(order)
    url = f"/api/v1/orders/{order.public_id}/refund"
    done = client.post(url, {"amount": "5.00", "reason": "late"}, content_type="application/json")
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["refundable"] == "20.00" and body["partial_refunds"] is True
    assert body["payments"][-1]["paid_with"] == "Visa •••• 4242"
    assert body["payments"][-1]["amount_refunded"] == "5.00"
    assert [(r["amount"], r["source"], r["status"]) for r in body["refunds"]] == [
        ("5.00", "seller", "succeeded")
    ]
    too_much = client.post(url, {"amount": "20.01"}, content_type="application/json")
    assert too_much.status_code == 422 and too_much.json()["code"] == "refund_too_large"
    both = client.post(
        url,
        {"amount": "1.00", "lines": [str(order.lines.first().public_id)]},
        content_type="application/json",
    )
    assert both.status_code == 422 and "amount" in both.json()["fields"]
    rest = client.post(url, {}, content_type="application/json")
    assert rest.json()["status"] == "refunded" and rest.json()["refundable"] == "0.00"


def test_stripe_failing_a_refund_is_a_503_that_refunds_nothing(standin_shop, standin):
    order = _paid(standin_shop)
    standin.fail_next(path="/v1/refunds", status=500, count=2)
    client = _seller_client(order)
    url = f"/api/v1/orders/{order.public_id}/refund"
    failed = client.post(url, {"amount": "5.00"}, content_type="application/json")
    assert failed.status_code == 503 and failed.json()["code"] == "payment_unavailable"
    assert client.get(f"/api/v1/orders/{order.public_id}").json()["refundable"] == "25.00"
    assert not LedgerEntry.objects.filter(kind="refund").exists()
    page = client.post(
        f"/studio/orders/{order.public_id}/refund/", {"what": "rest"}, follow=True
    ).content.decode()
    assert "cannot be reached just now" in page
    assert 'data-testid="refundable">25.00' in page  # the failed tries are listed as failed
    assert set(Refund.objects.filter(payment__order=order).values_list("status", flat=True)) == {
        "failed"
    }
    assert client.post(url, {}, content_type="application/json").status_code == 200


def test_an_offline_order_is_refunded_whole_or_not_at_all(shop):
    gallery, photos = shop
    order = place(gallery.owner, [digital(photos[0])])
    client = _seller_client(order)
    client.post(f"/api/v1/orders/{order.public_id}/mark-paid", {}, content_type="application/json")
    url = f"/api/v1/orders/{order.public_id}/refund"
    part = client.post(url, {"amount": "1.00"}, content_type="application/json")
    assert part.status_code == 409 and part.json()["code"] == "payment_unsupported"
    whole = client.post(url, {"reason": "x"}, content_type="application/json")
    assert whole.status_code == 200 and whole.json()["status"] == "refunded"
    assert not LedgerEntry.objects.exists()  # offline money never went through the platform


def test_a_refund_made_in_stripe_is_shown_as_such_and_written_once(standin_shop, standin, client):
    order = _paid(standin_shop)
    payment = order.payments.get(status="succeeded")
    standin.dashboard_refund(payment.reference, amount=700)
    # Its charge.refunded event, delivered twice (the stand-in is not registered: we post it).
    event = standin.events(type="charge.refunded")[0]
    _post_event(client, event)
    _post_event(client, event)
    _post_event(client, {**event, "id": "evt_same_refund_again"})
    refund = Refund.objects.get(payment=payment)
    assert refund.source == "provider" and refund.amount == Decimal("7.00")
    assert _ledger(order) == [("refund", Decimal("-7.00")), ("sale", Decimal("25.00"))]
    page = _seller_client(order).get(f"/studio/orders/{order.public_id}/").content.decode()
    assert "in Stripe" in page


# --- the ledger: written once --------------------------------------------------------------


def test_a_card_sale_and_its_fee_are_written_once_however_often_the_event_comes(
    standin_shop, standin, client
):
    gallery, photos = standin_shop
    order = place(gallery.owner, [digital(photos[0], price="40.00")], provider="stripe")
    state = cards.card_payment_confirm(order, payment_method="pm_card_threeDSecure2Required")
    assert state.status == "requires_action"
    # A marketplace attempt carries the platform's fee (the marketplace part sets it).
    Payment.objects.filter(reference=state.reference).update(application_fee=Decimal("4.00"))
    standin.authenticate(state.reference)
    succeeded = standin.events(type="payment_intent.succeeded")[0]
    for event in (succeeded, succeeded, {**succeeded, "id": "evt_other_delivery"}):
        _post_event(client, event)
    cards.card_payment_sync(order)
    assert _ledger(order) == [("fee", Decimal("-4.00")), ("sale", Decimal("40.00"))]


def test_ledger_record_writes_once_per_kind_and_reference(standin_shop):
    order = _paid(standin_shop)
    assert ledger_record(order.seller, "transfer_reversal", Decimal("-1"), "eur", order, "trr_1")
    assert not ledger_record(
        order.seller, "transfer_reversal", Decimal("-1"), "EUR", order, "trr_1"
    )
    assert LedgerEntry.objects.filter(reference="trr_1").count() == 1


def test_a_payout_of_a_connected_account_is_written_once(standin_shop, client):
    order = _paid(standin_shop)
    ConnectedAccount.objects.create(seller=order.seller, reference="acct_seller")
    event = {
        "id": "evt_payout",
        "type": "payout.paid",
        "account": "acct_seller",
        "data": {"object": {"id": "po_1", "object": "payout", "amount": 2000, "currency": "eur"}},
    }
    _post_event(client, event)
    _post_event(client, {**event, "id": "evt_payout_again"})
    _post_event(client, {**event, "id": "evt_elsewhere", "account": "acct_unknown"})
    assert ("payout", Decimal("-20.00")) in _ledger(order)
    assert LedgerEntry.objects.filter(kind="payout").count() == 1


# --- disputes from signed events -------------------------------------------------------------


def _dispute_event(order, kind, status="needs_response", dispute="dp_1", event_id=None):
    payment = order.payments.get(status__in=["succeeded", "refunded"])
    return {
        "id": event_id or f"evt_{kind}_{dispute}",
        "type": f"charge.dispute.{kind}",
        "data": {
            "object": {
                "id": dispute,
                "object": "dispute",
                "amount": 2500,
                "currency": "eur",
                "payment_intent": payment.reference,
                "charge": "ch_x",
                "reason": "fraudulent",
                "status": status,
            }
        },
    }


def test_a_dispute_holds_the_downloads_and_tells_the_photographer_and_admins(standin_shop, client):
    admin = get_user_model().objects.create_superuser("admin@example.test", "pw-12345-long")
    order = _paid(standin_shop)
    opened = _dispute_event(order, "created")
    _post_event(client, opened)
    _post_event(client, opened)  # re-delivered
    _post_event(client, {**opened, "id": "evt_another_delivery"})
    dispute = Dispute.objects.get()
    assert dispute.status == "open" and dispute.amount == Decimal("25.00")
    assert _grant_states(order) == ["on hold", "on hold"]
    assert order.events.filter(kind="dispute_opened").count() == 1
    assert Notification.objects.filter(user=order.seller, message__contains="disputes").count() == 1
    assert Notification.objects.filter(user=admin, message__contains="disputes").count() == 1
    assert OutboundEmail.objects.filter(to=[order.seller.email], subject__contains="disputed")
    assert _ledger(order) == [("dispute", Decimal("-25.00")), ("sale", Decimal("25.00"))]
    seller = _seller_client(order)
    page = seller.get(f"/studio/orders/{order.public_id}/").content.decode()
    assert 'data-testid="disputes"' in page and "on hold" in page
    refused = seller.post(
        f"/api/v1/orders/{order.public_id}/refund", {}, content_type="application/json"
    )
    assert refused.status_code == 409

    _post_event(client, _dispute_event(order, "closed", status="won"))
    _post_event(client, _dispute_event(order, "closed", status="won", event_id="evt_again"))
    assert Dispute.objects.get().status == "won"
    assert _grant_states(order) == ["ready", "ready"]
    assert sorted(_ledger(order)) == [
        ("dispute", Decimal("-25.00")),
        ("dispute_won", Decimal("25.00")),
        ("sale", Decimal("25.00")),
    ]


def test_a_lost_dispute_refunds_the_order_and_revokes_its_downloads(standin_shop, client):
    order = _paid(standin_shop)
    _post_event(client, _dispute_event(order, "created"))
    _post_event(client, _dispute_event(order, "closed", status="lost"))
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert _grant_states(order) == ["revoked", "revoked"]
    assert order.events.filter(kind="dispute_lost").count() == 1
    assert _ledger(order) == [("dispute", Decimal("-25.00")), ("sale", Decimal("25.00"))]


def test_a_closing_event_before_its_opening_one_is_applied_once(standin_shop, client):
    order = _paid(standin_shop)
    _post_event(client, _dispute_event(order, "closed", status="won"))
    _post_event(client, _dispute_event(order, "created"))  # late
    assert Dispute.objects.get().status == "won"
    assert _grant_states(order) == ["ready", "ready"]
    assert _ledger(order) == [("sale", Decimal("25.00"))]


def test_the_stand_ins_dispute_reaches_our_live_endpoint(standin_shop, standin, live_server):
    standin.register_webhook(f"{live_server.url}{WEBHOOK}", WEBHOOK_SECRET)
    order = _paid(standin_shop, prices=("12.00",))
    payment = order.payments.get(status="succeeded")
    dispute = standin.open_dispute(payment_intent=payment.reference, reason="product_not_received")

    def wait_for(check):
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not check():
            time.sleep(0.2)
        assert check()

    wait_for(lambda: Dispute.objects.filter(reference=dispute["id"]).exists())
    assert _grant_states(order) == ["on hold"]
    standin.close_dispute(dispute["id"], "lost")
    wait_for(lambda: Dispute.objects.get(reference=dispute["id"]).status == "lost")
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED and _grant_states(order) == ["revoked"]


# --- the ledger page, its CSV, the API, and the platform's totals ------------------------------


def test_the_ledger_page_runs_totals_filters_by_date_and_exports_safe_csv(standin_shop):
    order = _paid(standin_shop)
    ledger_record(order.seller, "payout", Decimal("-3"), "EUR", None, "po_x", "=HYPERLINK(1)")
    client = _seller_client(order)
    page = client.get("/studio/ledger/").content.decode()
    assert page.count('data-testid="ledger-row"') == 2
    assert "22.00" in page  # the running total after the payout
    assert (
        client.get("/studio/ledger/?from=2000-01-01&to=2000-01-31")
        .content.decode()
        .count('data-testid="ledger-row"')
        == 0
    )
    assert client.get("/studio/ledger/?from=soon").status_code == 422

    rows = list(csv.reader(io.StringIO(client.get("/studio/ledger.csv").content.decode())))
    assert rows[0][:3] == ["date", "kind", "description"]
    assert rows[2][1] == "payout" and rows[2][2] == "'=HYPERLINK(1)"
    assert rows[2][6:] == ["-3.00", "22.00"]  # amounts stay numbers

    api = client.get("/api/v1/ledger").json()
    assert [e["kind"] for e in api["entries"]] == ["sale", "payout"]
    assert api["closing"] == {"EUR": "22.00"}
    assert client.get("/api/v1/ledger?from=2999-01-01").json()["entries"] == []
    assert client.get("/api/v1/ledger?from=nope").status_code == 422
    exported = client.get("/api/v1/ledger.csv").content.decode()
    assert "'=HYPERLINK(1)" in exported
    assert client.get("/api/v1/ledger?format=csv").content.decode() == exported

    # Another photographer's ledger is their own (empty).
    other = Client()
    other.force_login(get_user_model().objects.create_user("p2@example.test", role="photographer"))
    assert other.get("/api/v1/ledger").json()["entries"] == []


def test_platform_totals_are_for_staff_only(standin_shop):
    order = _paid(standin_shop)
    cards.refund_create(order=order, actor=order.seller, amount="5.00")
    seller = _seller_client(order)
    assert seller.get("/studio/platform/payments/").status_code == 404
    assert seller.get("/api/v1/admin/payments/totals").status_code == 403
    assert Client().get("/api/v1/admin/payments/totals").status_code == 401

    admin = Client()
    admin.force_login(get_user_model().objects.create_superuser("a@example.test", "pw-12345-x"))
    totals = admin.get("/api/v1/admin/payments/totals").json()["currencies"]
    assert totals == [
        {
            "currency": "EUR",
            "gross_sales": "25.00",
            "refunds": "5.00",
            "fees_earned": "0.00",
            "disputed": "0.00",
            "open_disputes": 0,
            "open_disputed_amount": "0.00",
        }
    ]
    page = admin.get("/studio/platform/payments/")
    assert page.status_code == 200 and "25.00" in page.content.decode()
    empty = admin.get("/api/v1/admin/payments/totals?from=2000-01-01&to=2000-01-02").json()
    assert empty["currencies"] == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_dispute_change_things_once(standin_shop):
    """PostgreSQL: the same dispute in 12 events at once → one dispute, one ledger entry, one
    notification (the payment's row lock and the unique references)."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a race needs PostgreSQL's row locks")
    order = _paid(standin_shop)
    events = [_dispute_event(order, "created", event_id=f"evt_race_{n}") for n in range(12)]

    def deliver(event):
        try:
            return _post_event(Client(), event).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert set(pool.map(deliver, events)) == {200}
    assert Dispute.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="dispute").count() == 1
    assert Notification.objects.filter(user=order.seller, message__contains="disputes").count() == 1
    assert order.events.filter(kind="dispute_opened").count() == 1
