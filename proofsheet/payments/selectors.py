"""Reading payment state for the order pages."""

from __future__ import annotations

from proofsheet.orders.models import Order, OrderStatus
from proofsheet.payments.providers import UnknownProvider, get_provider
from proofsheet.payments.providers.base import NextStep


def payment_next_step(order: Order) -> NextStep:
    """What the buyer still has to do to pay (nothing unless the order is pending)."""
    if order.status != OrderStatus.PENDING:
        return NextStep(kind="none")
    try:
        return get_provider(order.payment_provider).start(order)
    except UnknownProvider:
        return NextStep(kind="none")
