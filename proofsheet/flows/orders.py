"""The seller's order actions, written once: mark paid, ship, complete, cancel, refund, re-issue a
download. The studio's order page and `/api/v1/orders/{id}/…` call these with the seller and
the order's public id; each finds the order among the seller's sales (another's is a 404), runs
the one service that owns the rule (`orders.services`, `payments.services`) and returns the
order as it is now.
"""

from __future__ import annotations

from dataclasses import dataclass

from proofsheet.accounts.services import seller_required
from proofsheet.core.errors import Conflict, Invalid, NotFound
from proofsheet.core.models import as_public_ids
from proofsheet.orders import selectors as order_selectors
from proofsheet.orders import services as order_services
from proofsheet.orders.models import Order, OrderStatus
from proofsheet.payments import cards
from proofsheet.payments import services as payments
from proofsheet.payments.models import Dispute, DisputeStatus
from proofsheet.payments.providers import PaymentUnsupported
from proofsheet.payments.selectors import card_payment_of, refunds_supported


@dataclass(frozen=True)
class OrderActions:
    """What the seller can do with an order now (the buttons the studio shows)."""

    can_pay: bool
    can_ship: bool
    can_complete: bool
    can_cancel: bool
    can_refund: bool


def order_of_seller(*, seller, order_id) -> Order:
    """One of `seller`'s sales by its public id; anything else is NotFound."""
    seller_required(seller)
    order = order_selectors.order_get_for_seller(seller, order_id)
    if order is None:
        raise NotFound("No such order.")
    return order


def order_actions(order: Order) -> OrderActions:
    """The moves the order's status allows, less what it or its payment provider cannot do."""
    allowed = order_services.TRANSITIONS.get(order.status, set())
    return OrderActions(
        can_pay=OrderStatus.PAID in allowed,
        can_ship=OrderStatus.SHIPPED in allowed and order.needs_shipping,
        can_complete=OrderStatus.COMPLETED in allowed,
        can_cancel=OrderStatus.CANCELLED in allowed,
        can_refund=OrderStatus.REFUNDED in allowed and refunds_supported(order),
    )


def _now(order: Order) -> Order:
    order.refresh_from_db()
    return order


def order_mark_paid(*, seller, order_id, reference: str = "") -> Order:
    """Record the money received for an offline order: it becomes paid, downloads are issued."""
    order = order_of_seller(seller=seller, order_id=order_id)
    payments.payment_mark_received(order=order, actor=seller, reference=reference)
    return _now(order)


def order_ship(
    *, seller, order_id, carrier: str, tracking_number: str, tracking_url: str = ""
) -> Order:
    """Mark the order shipped with its tracking (the client is emailed)."""
    order = order_of_seller(seller=seller, order_id=order_id)
    order_services.order_mark_shipped(
        order=order,
        carrier=carrier,
        tracking_number=tracking_number,
        tracking_url=tracking_url,
        actor=seller,
    )
    return _now(order)


def order_complete(*, seller, order_id) -> Order:
    """Close a paid or shipped order."""
    order = order_of_seller(seller=seller, order_id=order_id)
    order_services.order_complete(order=order, actor=seller)
    return _now(order)


def order_cancel(*, seller, order_id, reason: str = "") -> Order:
    """Cancel the order: downloads revoked, limited stock and the code's use given back."""
    order = order_of_seller(seller=seller, order_id=order_id)
    order_services.order_cancel(order=order, actor=seller, reason=reason)
    return _now(order)


def order_refund(
    *, seller, order_id, reason: str = "", amount=None, lines: list | None = None
) -> Order:
    """Refund the order: a card payment through its provider (the rest of it, chosen `lines`
    by public id, or an `amount`); any other payment is recorded as refunded in whole (a part
    is refused, `payment_unsupported`). This is the one place that decides which."""
    order = order_of_seller(seller=seller, order_id=order_id)
    if lines is not None:
        if not lines:
            raise Invalid({"lines": "Choose the lines to refund."})
        if as_public_ids(lines) is None:
            raise NotFound("Some of those lines are not in this order.")
    if card_payment_of(order) is not None:
        if Dispute.objects.filter(payment__order=order, status=DisputeStatus.OPEN).exists():
            raise Conflict(
                f"Order {order.number} is disputed by the buyer's bank: it cannot be refunded "
                "until the dispute is closed."
            )
        cards.refund_create(
            order=order, actor=seller, amount=amount, line_ids=lines or None, reason=reason
        )
    elif amount not in (None, "") or lines:
        raise PaymentUnsupported(
            f"Order {order.number} was not paid by card: only the whole order can be refunded "
            "(pay the buyer back yourself, then record it here)."
        )
    else:
        payments.payment_refund(order=order, actor=seller, reason=reason)
    return _now(order)


def order_download_reissue(*, seller, order_id, grant_id) -> Order:
    """Give one of the order's downloads a new link and a full count (the client is emailed)."""
    order = order_of_seller(seller=seller, order_id=order_id)
    order_services.order_grant_reissue(order=order, grant_public_id=grant_id, actor=seller)
    return _now(order)
