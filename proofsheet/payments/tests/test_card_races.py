"""Card payments under concurrency (PostgreSQL: SQLite serialises writers and hides races), with
localstripe as the provider: one event delivered 50 times at once, the webhook racing the buyer's
return, and two refunds racing beyond what was paid."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from django.test import Client

from proofsheet.orders.models import OrderStatus
from proofsheet.orders.tests.support import digital, place
from proofsheet.payments import cards
from proofsheet.payments.models import Payment, Refund, WebhookEvent
from proofsheet.payments.providers.base import RefundTooLarge
from proofsheet.payments.services import payment_start
from proofsheet.payments.tests.stripe_support import (
    THREE_D_SECURE,
    authenticate,
    card_method,
    intent_event,
    signed,
    use_stripe,
)
from tests.support import run_together

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres_only]


@pytest.fixture
def awaiting(shop, settings, localstripe):
    """An order whose card payment waits for 3-D Secure, then authenticated at localstripe: the
    money is in, and only our webhook or our retrieve can say so."""
    use_stripe(settings, localstripe.base_url)
    gallery, photos = shop
    order = place(gallery.owner, [digital(photos[0], price="25.00")], provider="stripe")
    payment_start(order)
    state = cards.card_payment_confirm(order, payment_method=card_method(THREE_D_SECURE))
    authenticate(localstripe.base_url, state, success=True)
    return order, state


def test_50_concurrent_deliveries_of_one_event_change_the_order_once(awaiting):
    order, state = awaiting
    body, header = signed(intent_event(order, state, event_id="evt_race"))

    def deliver(_n):
        response = Client().post(
            "/payments/webhook/stripe/",
            data=body,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=header,
        )
        return response.status_code

    results, errors = run_together(50, deliver)
    assert errors == [] and Counter(results) == {200: 50}
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert WebhookEvent.objects.filter(event_id="evt_race").count() == 1
    assert order.events.filter(kind="paid").count() == 1
    assert order.lines.get().grants.count() == 1


def test_the_webhook_racing_the_buyers_return_pays_once(awaiting):
    order, state = awaiting
    bodies = [signed(intent_event(order, state, event_id=f"evt_{n}")) for n in range(10)]

    def settle(n):
        if n % 2:
            body, header = bodies[n // 2]
            Client().post(
                "/payments/webhook/stripe/",
                data=body,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=header,
            )
        else:
            cards.card_payment_sync(order)
        return n

    _results, errors = run_together(20, settle)
    assert errors == []
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.events.filter(kind="paid").count() == 1
    assert Payment.objects.filter(order=order, status="succeeded").count() == 1


def test_two_refunds_beyond_the_payment_racing_give_back_only_what_was_paid(awaiting):
    order, state = awaiting
    cards.card_payment_sync(order)
    assert order.status == OrderStatus.PAID

    def refund(_n):
        try:
            cards.refund_create(order=order, actor=order.seller, amount="20.00")
        except RefundTooLarge:
            return "refused"
        return "refunded"

    results, errors = run_together(2, refund)
    assert errors == [] and Counter(results) == {"refunded": 1, "refused": 1}
    payment = Payment.objects.get(reference=state.reference)
    assert payment.amount_refunded == Decimal("20.00")
    assert list(Refund.objects.filter(payment=payment).values_list("status", flat=True)) == [
        "succeeded"
    ]
