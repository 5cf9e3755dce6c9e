"""Card payments through the Stripe provider against localstripe, a real Stripe-speaking server
started on loopback: paying, declines, 3-D Secure, refunds, and signed webhook events delivered
to our real endpoint."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from proofsheet.fulfillment.models import DownloadGrant
from proofsheet.orders.models import OrderStatus
from proofsheet.orders.services import order_cancel
from proofsheet.orders.tests.support import a_print, digital, place
from proofsheet.payments import cards
from proofsheet.payments.models import Payment, PaymentStatus, Refund, WebhookEvent
from proofsheet.payments.providers.base import PaymentDeclined, RefundTooLarge
from proofsheet.payments.services import payment_start
from proofsheet.payments.tests.stripe_support import (
    DECLINED,
    THREE_D_SECURE,
    authenticate,
    card_method,
    intent_event,
    signed,
    use_stripe,
)


@pytest.fixture
def stripe_shop(shop, settings, localstripe):
    use_stripe(settings, localstripe.base_url)
    return shop


def _order(stripe_shop, price="12.34"):
    gallery, photos = stripe_shop
    order = place(gallery.owner, [digital(photos[0], price=price)], provider="stripe")
    payment_start(order)
    return order


def test_checkout_asks_stripe_nothing_and_points_the_buyer_to_the_card_form(stripe_shop):
    order = _order(stripe_shop)
    payment = order.payments.get()
    assert payment.status == PaymentStatus.PENDING and payment.reference == ""
    assert payment.next_step.kind == "card" and payment.next_step.url.endswith("/pay/")


def test_a_good_card_pays_the_exact_total_and_issues_the_downloads(stripe_shop):
    order = _order(stripe_shop)
    state = cards.card_payment_confirm(order, payment_method=card_method())
    assert state.status == "succeeded" and state.amount == 1234 and state.currency == "EUR"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    payment = order.payments.get(status=PaymentStatus.SUCCEEDED)
    assert payment.reference.startswith("pi_") and payment.paid_with == "Visa •••• 4242"
    assert DownloadGrant.objects.filter(order_line__order=order).count() == 1
    # The server's own retrieve agrees and changes nothing more.
    assert cards.intent_apply(cards.card_provider(order).intent_get(payment.reference)) == (
        "already applied"
    )


def test_a_declined_card_keeps_the_order_pending_and_another_card_pays_it_once(stripe_shop):
    order = _order(stripe_shop)
    with pytest.raises(PaymentDeclined):
        cards.card_payment_confirm(order, payment_method=card_method(DECLINED))
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    failed = order.payments.get(status=PaymentStatus.FAILED)
    assert failed.failure_message
    assert cards.card_payment_page(order).failure == failed.failure_message

    cards.card_payment_confirm(order, payment_method=card_method())
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.payments.filter(status=PaymentStatus.SUCCEEDED).count() == 1
    assert sorted(order.payments.values_list("attempt", flat=True)) == [1, 2]


def test_three_d_secure_waits_for_the_buyer_then_pays(stripe_shop, localstripe):
    order = _order(stripe_shop)
    state = cards.card_payment_confirm(order, payment_method=card_method(THREE_D_SECURE))
    assert state.status == "requires_action" and state.client_secret
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    # Submitting again while the challenge is open starts no second payment.
    again = cards.card_payment_confirm(order, payment_method=card_method())
    assert again.reference == state.reference
    authenticate(localstripe.base_url, state, success=True)
    cards.card_payment_sync(order)
    assert order.status == OrderStatus.PAID


def test_a_failed_challenge_leaves_the_order_to_pay_with_another_card(stripe_shop, localstripe):
    order = _order(stripe_shop)
    state = cards.card_payment_confirm(order, payment_method=card_method(THREE_D_SECURE))
    authenticate(localstripe.base_url, state, success=False)
    cards.card_payment_sync(order)
    assert order.status == OrderStatus.PENDING
    cards.card_payment_confirm(order, payment_method=card_method())
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.payments.filter(status=PaymentStatus.SUCCEEDED).count() == 1


def test_japanese_yen_has_no_minor_unit(stripe_shop):
    gallery, photos = stripe_shop
    order = place(gallery.owner, [digital(photos[0], price="1500")], provider="stripe")
    order.currency = "JPY"
    order.save(update_fields=["currency"])
    Payment.objects.filter(order=order).delete()
    state = cards.card_payment_confirm(order, payment_method=card_method())
    assert (state.amount, state.currency) == (1500, "JPY")


def _paid(stripe_shop, lines=None):
    gallery, photos = stripe_shop
    order = place(
        gallery.owner,
        lines or [digital(photos[0], price="10.00"), digital(photos[1], price="15.00")],
        provider="stripe",
    )
    cards.card_payment_confirm(order, payment_method=card_method())
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return order


def test_refund_of_one_line_revokes_its_download_only(stripe_shop):
    order = _paid(stripe_shop)
    first, second = order.lines.all()
    refund = cards.refund_create(order=order, actor=order.seller, line_ids=[first.public_id])
    assert refund.amount == Decimal("10.00") and refund.reference.startswith("re_")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    states = {
        g.order_line_id: g.state for g in DownloadGrant.objects.filter(order_line__order=order)
    }
    assert states == {first.pk: "revoked", second.pk: "ready"}
    with pytest.raises(Exception, match="Already refunded"):
        cards.refund_create(order=order, actor=order.seller, line_ids=[first.public_id])


def test_refunds_add_up_to_the_payment_and_no_further(stripe_shop):
    order = _paid(stripe_shop)
    cards.refund_create(order=order, actor=order.seller, amount="20.00")
    with pytest.raises(RefundTooLarge):
        cards.refund_create(order=order, actor=order.seller, amount="5.01")
    payment = order.payments.get(reference__startswith="pi_")
    assert payment.amount_refunded == Decimal("20.00")
    assert Refund.objects.filter(payment=payment, status="failed").count() == 0
    cards.refund_create(order=order, actor=order.seller)  # the rest: 5.00
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED and payment.status == PaymentStatus.REFUNDED
    assert not DownloadGrant.objects.filter(order_line__order=order, revoked_at__isnull=True)


def test_stripe_unreachable_keeps_the_order_pending_and_records_nothing(shop, settings):
    use_stripe(settings, "http://127.0.0.1:9")  # nothing listens there
    gallery, photos = shop
    order = place(gallery.owner, [digital(photos[0])], provider="stripe")
    payment_start(order)
    with pytest.raises(Exception) as raised:
        cards.card_payment_confirm(order, payment_method="pm_card_visa")
    assert getattr(raised.value, "code", "") == "payment_unavailable"
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert order.payments.get().reference == ""


# --- webhooks through the real endpoint ---------------------------------------------------


def _post(client, event, **kwargs):
    body, header = signed(event, **kwargs)
    return client.post(
        "/payments/webhook/stripe/",
        data=body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )


def _awaiting(stripe_shop, localstripe):
    """An order whose payment waits for 3-D Secure (so only an event can settle it)."""
    order = _order(stripe_shop)
    state = cards.card_payment_confirm(order, payment_method=card_method(THREE_D_SECURE))
    return order, state


def test_a_signed_event_pays_the_order_once_however_often_it_comes(
    stripe_shop, localstripe, client
):
    order, state = _awaiting(stripe_shop, localstripe)
    event = intent_event(order, state)
    for _ in range(3):
        assert _post(client, event).status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert WebhookEvent.objects.filter(event_id="evt_1").count() == 1
    assert order.events.filter(kind="paid").count() == 1


def test_forged_stale_or_malformed_events_are_refused_and_change_nothing(
    stripe_shop, localstripe, client
):
    order, state = _awaiting(stripe_shop, localstripe)
    event = intent_event(order, state)
    assert _post(client, event, secret="whsec_someone_else").status_code == 400
    assert _post(client, event, at=int(time.time()) - 301).status_code == 400  # a replay
    assert (
        client.post(
            "/payments/webhook/stripe/", data=b"{", content_type="application/json"
        ).status_code
        == 400
    )
    assert (
        client.post("/payments/webhook/nope/", data=b"{}", content_type="application/json")
    ).status_code == 404
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING and not WebhookEvent.objects.exists()


def test_an_amount_that_is_not_the_orders_is_flagged_not_paid(stripe_shop, localstripe, client):
    order, state = _awaiting(stripe_shop, localstripe)
    _post(client, intent_event(order, state, amount=1))
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    assert order.payments.get(reference=state.reference).mismatch
    assert order.events.filter(kind="payment_mismatch").count() == 1


def test_a_late_failure_after_success_changes_nothing(stripe_shop, localstripe, client):
    order, state = _awaiting(stripe_shop, localstripe)
    _post(client, intent_event(order, state, event_id="evt_ok"))
    _post(client, intent_event(order, state, "payment_intent.payment_failed", "evt_late"))
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.payments.get(reference=state.reference).status == PaymentStatus.SUCCEEDED


def test_a_payment_for_a_cancelled_order_is_refunded_automatically(
    stripe_shop, localstripe, client
):
    order, state = _awaiting(stripe_shop, localstripe)
    order_cancel(order=order, reason="client changed their mind")
    authenticate(localstripe.base_url, state, success=True)  # the money arrives anyway
    _post(client, intent_event(order, state))
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    refund = Refund.objects.get(payment__reference=state.reference)
    assert refund.source == "system" and refund.status == "succeeded"
    assert refund.amount == order.total
    assert order.events.filter(kind="payment_late").count() == 1


def test_a_refund_made_in_stripes_dashboard_is_picked_up_once(stripe_shop, localstripe, client):
    order = _paid(stripe_shop)
    payment = order.payments.get(reference__startswith="pi_")
    charge = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": payment.reference,
        "currency": "eur",
        "amount": 2500,
        "amount_refunded": 2500,
        "refunds": {"data": [{"id": "re_dashboard", "amount": 2500, "status": "succeeded"}]},
    }
    event = {"id": "evt_refund", "type": "charge.refunded", "data": {"object": charge}}
    _post(client, event)
    _post(client, {**event, "id": "evt_refund_again"})  # the same refund in a later event
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert Refund.objects.get(reference="re_dashboard").source == "provider"
    assert Refund.objects.filter(payment=payment).count() == 1


def test_localstripe_delivers_its_own_signed_event_to_our_endpoint(
    stripe_shop, localstripe, live_server
):
    localstripe.register_webhook(
        f"{live_server.url}/payments/webhook/stripe/", "whsec_test_proofsheet"
    )
    order, state = _awaiting(stripe_shop, localstripe)
    authenticate(localstripe.base_url, state, success=True)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        order.refresh_from_db()
        if order.status == OrderStatus.PAID:
            break
        time.sleep(0.2)
    assert order.status == OrderStatus.PAID
    # (localstripe also sends this session's earlier events: they name no payment of this test.)
    assert WebhookEvent.objects.filter(outcome="paid").count() == 1


def test_a_print_order_paid_by_card_keeps_its_shipping(stripe_shop):
    _gallery, photos = stripe_shop
    order = _paid(stripe_shop, [a_print(photos[0])])
    assert order.status == OrderStatus.PAID and order.needs_shipping
