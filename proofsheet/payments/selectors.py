"""Reading payment state: which provider a sale uses, and what a buyer still has to do to pay.

Reading never asks a provider anything: the next step was stored on the Payment when
`services.payment_start` began it.
"""

from __future__ import annotations

from django.conf import settings

from proofsheet.orders.models import Order, OrderStatus
from proofsheet.payments.models import PaymentStatus
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
