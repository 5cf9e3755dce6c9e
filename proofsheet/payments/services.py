"""Payments: start paying an order through its provider, record money in and out.

`paid` is only ever set here, by the seller marking an offline order paid (or, later, by a
verified webhook), never by a client-facing page (R34).
"""

from __future__ import annotations

from django.db import transaction

from proofsheet.core.money import quantize
from proofsheet.orders.models import Order, OrderStatus
from proofsheet.orders.services import order_transition
from proofsheet.payments.models import Payment, PaymentStatus
from proofsheet.payments.providers import get_provider
from proofsheet.payments.providers.base import NextStep


def payment_start(order: Order) -> NextStep:
    """Begin paying `order`: what the buyer does next. A zero total is paid at once."""
    if order.status != OrderStatus.PENDING:
        return NextStep(kind="none")
    if quantize(order.total, order.currency) == 0:
        order_transition(order=order, to=OrderStatus.PAID, kind="paid", message="Nothing to pay")
        order.refresh_from_db()
        return NextStep(kind="none")
    step = get_provider(order.payment_provider).start(order)
    Payment.objects.get_or_create(
        order=order,
        provider=order.payment_provider,
        status=PaymentStatus.PENDING,
        defaults={"amount": order.total, "currency": order.currency},
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
        payment = Payment.objects.filter(
            order=order, provider=order.payment_provider, status=PaymentStatus.PENDING
        ).first()
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
    """
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
