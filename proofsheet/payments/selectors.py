"""Reading payment state: which provider a sale uses, and what a buyer still has to do to pay.

Reading never asks a provider anything: the next step was stored on the Payment when
`services.payment_start` began it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from proofsheet.orders.models import Order, OrderStatus
from proofsheet.orders.services import TRANSITIONS
from proofsheet.payments.models import (
    Dispute,
    DisputeStatus,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from proofsheet.payments.providers import get_provider
from proofsheet.payments.providers.base import NOTHING_TO_DO, NextStep


def provider_for(seller) -> str:
    """The name of the provider (a key of PAYMENT_PROVIDERS) that takes `seller`'s payments.

    One provider for the whole site today (`PAYMENT_PROVIDER`); the seam for one per seller.
    """
    return settings.PAYMENT_PROVIDER


def payment_next_step(order: Order) -> NextStep:
    """What the buyer still has to do to pay (nothing unless the order is pending)."""
    if order.status != OrderStatus.PENDING:
        return NOTHING_TO_DO
    payment = order.payments.filter(status=PaymentStatus.PENDING).first()
    return payment.next_step if payment is not None else NOTHING_TO_DO


def refunds_supported(order: Order) -> bool:
    """Whether the order's provider can refund it (not one that is no longer configured)."""
    if order.payment_provider not in settings.PAYMENT_PROVIDERS:
        return False
    return get_provider(order.payment_provider).supports_refunds


# --- what the seller sees of an order's money ------------------------------------------------


@dataclass(frozen=True)
class OrderMoney:
    """An order's payments, refunds and disputes, and what is left to refund."""

    payments: list[Payment]
    refunds: list[Refund]
    disputes: list[Dispute]
    card_payment: Payment | None  # the card payment that took the money, if any
    refundable: Decimal  # what a refund may still give back (0: none)
    partial: bool  # lines or an amount may be refunded (card payments), not only the whole
    mismatch: str  # a provider's payment that did not match the order (flagged, never applied)
    refunded_lines: frozenset[str]  # public ids of the lines refunded already

    @property
    def disputed(self) -> bool:
        return any(d.status == DisputeStatus.OPEN for d in self.disputes)


def card_payment_of(order: Order) -> Payment | None:
    """The order's card payment that took money (succeeded, or refunded since), or None."""
    return (
        order.payments.filter(status__in=[PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED])
        .exclude(reference="")
        .exclude(provider="offline")
        .order_by("-id")
        .first()
    )


def order_money(order: Order) -> OrderMoney:
    payments = list(order.payments.order_by("created_at", "id"))
    card = card_payment_of(order)
    refunds = list(Refund.objects.filter(payment__order=order).select_related("payment", "actor"))
    disputes = list(Dispute.objects.filter(payment__order=order).order_by("created_at", "id"))
    refundable = Decimal(0)
    if OrderStatus.REFUNDED in TRANSITIONS.get(order.status, set()):
        if card is not None:
            refundable = card.refundable
        elif refunds_supported(order):
            refundable = order.total
    return OrderMoney(
        payments=payments,
        refunds=refunds,
        disputes=disputes,
        card_payment=card,
        refundable=refundable,
        partial=card is not None,
        mismatch=next((p.mismatch for p in payments if p.mismatch), ""),
        refunded_lines=frozenset(
            line
            for refund in refunds
            if refund.status != RefundStatus.FAILED
            for line in refund.lines
        ),
    )
