"""Payments: start paying an order through its provider, record money in and out.

`paid` is only ever set here, by the seller marking an offline order paid (or, later, by a
verified webhook), never by a client-facing page (R34). Starting a payment is idempotent: the
provider is asked once per order and its answer (the buyer's next step) is kept on the Payment.
"""

from __future__ import annotations

from django.db import transaction

from proofsheet.catalog import store
from proofsheet.catalog.models import StoreSettings
from proofsheet.core.errors import Invalid
from proofsheet.core.money import quantize
from proofsheet.orders.models import Order, OrderStatus
from proofsheet.orders.services import order_transition
from proofsheet.payments.models import Payment, PaymentStatus
from proofsheet.payments.providers import PaymentUnsupported, get_provider
from proofsheet.payments.providers.base import NOTHING_TO_DO, NextStep, PaymentProvider
from proofsheet.payments.selectors import card_provider_name

NO_CARD_PROVIDER = (
    "Card payments are not set up on this site (no card provider such as Stripe is "
    "configured): choose bank transfer or later, or ask the site's operator to set up Stripe."
)


def store_settings_update(*, owner, client_payment: str | None = None, **fields) -> StoreSettings:
    """The seller's store settings (`catalog.store.store_settings_update`), refusing a way of
    paying by card ("card", "both") while the site has no card provider."""
    if client_payment in ("card", "both") and not card_provider_name():
        raise Invalid({"client_payment": NO_CARD_PROVIDER})
    return store.store_settings_update(owner=owner, client_payment=client_payment, **fields)


def provider_of(order: Order) -> PaymentProvider:
    """The provider that takes `order`'s payment (the one named when it was placed)."""
    return get_provider(order.payment_provider)


def payment_start(order: Order) -> NextStep:
    """Begin paying `order` once and return what the buyer does next (a zero total is paid at
    once). A second call returns the stored step without asking the provider again."""
    with transaction.atomic():
        # The order's row lock makes concurrent starts wait for the first one's Payment.
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status != OrderStatus.PENDING:
            return NOTHING_TO_DO
        if quantize(locked.total, locked.currency) == 0:
            order_transition(
                order=locked, to=OrderStatus.PAID, kind="paid", message="Nothing to pay"
            )
            order.refresh_from_db()
            return NOTHING_TO_DO
        started = Payment.objects.filter(order=locked, status=PaymentStatus.PENDING).first()
        if started is not None:
            return started.next_step
        step = provider_of(locked).start(locked)
        Payment.objects.create(
            order=locked,
            provider=locked.payment_provider,
            amount=locked.total,
            currency=locked.currency,
            next_step_kind=step.kind,
            next_step_text=step.text,
            next_step_url=step.url,
        )
    return step


def payment_mark_received(*, order: Order, actor, reference: str = "") -> Payment:
    """The seller received the money for an offline order: record it and mark the order paid.

    Raises orders.services.TransitionNotAllowed (recording nothing) unless the order is pending.
    """
    with transaction.atomic():
        order_transition(
            order=order,
            to=OrderStatus.PAID,
            actor=actor,
            kind="paid",
            message=f"Payment received{f' ({reference})' if reference else ''}",
        )
        payment = Payment.objects.filter(order=order, status=PaymentStatus.PENDING).first()
        if payment is None:
            payment = Payment(order=order, provider=order.payment_provider)
        payment.amount, payment.currency = order.total, order.currency
        payment.status = PaymentStatus.SUCCEEDED
        payment.reference = reference[:200]
        payment.save()
    order.refresh_from_db()
    return payment


def payment_refund(*, order: Order, actor, reason: str = "") -> Payment:
    """Record a refund of the whole order and mark it refunded (its downloads are revoked).

    For the offline provider the seller pays the money back outside Proofsheet; this records it.
    A provider that cannot refund is refused (`payment_unsupported`) before anything changes.
    """
    if not provider_of(order).supports_refunds:
        raise PaymentUnsupported(
            f"Order {order.number} was paid through a provider that cannot refund; "
            "refund the buyer there, then cancel or complete the order."
        )
    with transaction.atomic():
        order_transition(
            order=order, to=OrderStatus.REFUNDED, actor=actor, kind="refunded", message=reason
        )
        payment = Payment.objects.create(
            order=order,
            provider=order.payment_provider,
            amount=order.total,
            currency=order.currency,
            status=PaymentStatus.REFUNDED,
            reference=reason[:200],
        )
    order.refresh_from_db()
    return payment


def payments_for_order(order: Order) -> list[Payment]:
    return list(order.payments.order_by("created_at", "id"))
