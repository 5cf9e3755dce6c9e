"""Disputes (chargebacks): the buyer's bank takes a card payment back until the photographer
shows it was right.

`charge.dispute.created` records the dispute once (its id is unique), holds the order's
downloads, writes −amount to the photographer's ledger and tells the photographer and the
admins. `charge.dispute.closed`: won → the downloads come back and +amount; lost → the order is
refunded (its downloads revoked) when its state allows, else its downloads are revoked. A
closing event that arrives before its opening one records the dispute as closed, and the late
opening then changes nothing.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone

from proofsheet.core.money import exponent, format_amount
from proofsheet.fulfillment import services as fulfillment
from proofsheet.notifications.services import email_queue_message, notification_create
from proofsheet.orders.models import Order, OrderEvent, OrderStatus
from proofsheet.orders.services import TRANSITIONS, order_transition
from proofsheet.payments.ledger import ledger_record
from proofsheet.payments.models import Dispute, DisputeStatus, LedgerKind, Payment
from proofsheet.payments.providers.base import ProviderEvent

# Stripe's closed statuses that leave the money with the photographer (an inquiry closed
# without a chargeback is `warning_closed`); anything else closed is lost.
KEPT = {"won", "warning_closed"}


def _payment(data: dict) -> Payment | None:
    reference = str(data.get("payment_intent") or "")
    if not reference:
        return None
    return (
        Payment.objects.select_for_update()
        .select_related("order", "order__seller")
        .filter(reference=reference)
        .first()
    )


def _amount(data: dict, payment: Payment) -> Decimal:
    currency = str(data.get("currency") or payment.currency).upper()
    return Decimal(int(data.get("amount") or 0)).scaleb(-exponent(currency))


def dispute_opened(event: ProviderEvent) -> str:
    """`charge.dispute.created`: record it once, hold the downloads, tell people."""
    data = event.data
    payment = _payment(data)
    if payment is None:
        return "dispute on an unknown payment"
    order = payment.order
    dispute, created = Dispute.objects.get_or_create(
        reference=str(data["id"])[:200],
        defaults={
            "payment": payment,
            "amount": _amount(data, payment),
            "reason": str(data.get("reason") or "")[:100],
        },
    )
    if not created:
        return "dispute already recorded"
    fulfillment.grants_freeze(order, True)
    money = format_amount(dispute.amount, payment.currency)
    reason = dispute.reason.replace("_", " ") or "no reason given"
    OrderEvent.objects.create(
        order=order,
        kind="dispute_opened",
        message=f"The buyer's bank disputes {money} ({reason}); downloads are on hold.",
    )
    ledger_record(
        order.seller,
        LedgerKind.DISPUTE,
        -dispute.amount,
        payment.currency,
        order,
        dispute.reference,
        f"Dispute on order {order.number} ({reason})",
    )
    _tell(
        order,
        f"Order {order.number}: the buyer's bank disputes {money} ({reason}). "
        "Its downloads are on hold; answer the dispute in your Stripe dashboard.",
        subject=f"Payment disputed: order {order.number}",
    )
    return "dispute opened"


def dispute_closed(event: ProviderEvent) -> str:
    """`charge.dispute.closed`: won → downloads back and the money returned to the ledger;
    lost → the order is refunded and its downloads revoked."""
    data = event.data
    payment = _payment(data)
    if payment is None:
        return "dispute on an unknown payment"
    order = payment.order
    won = str(data.get("status")) in KEPT
    dispute = Dispute.objects.select_for_update().filter(reference=str(data["id"])).first()
    if dispute is None:  # the closing event came first: record it as it ended
        dispute = Dispute.objects.create(
            payment=payment,
            reference=str(data["id"])[:200],
            amount=_amount(data, payment),
            reason=str(data.get("reason") or "")[:100],
        )
        was_open = False
    else:
        was_open = True
    if dispute.status != DisputeStatus.OPEN or dispute.closed_at is not None:
        return "dispute already closed"
    dispute.status = DisputeStatus.WON if won else DisputeStatus.LOST
    dispute.closed_at = timezone.now()
    dispute.save(update_fields=["status", "closed_at", "updated_at"])
    money = format_amount(dispute.amount, payment.currency)
    if won:
        if not Dispute.objects.filter(payment__order=order, status=DisputeStatus.OPEN).exists():
            fulfillment.grants_freeze(order, False)
        if was_open:
            ledger_record(
                order.seller,
                LedgerKind.DISPUTE_WON,
                dispute.amount,
                payment.currency,
                order,
                dispute.reference,
                f"Dispute on order {order.number} won",
            )
        message = f"The dispute of {money} was decided for you; the downloads work again."
        OrderEvent.objects.create(order=order, kind="dispute_won", message=message)
    else:
        if not was_open:  # no opening event was applied: the money leaves now
            ledger_record(
                order.seller,
                LedgerKind.DISPUTE,
                -dispute.amount,
                payment.currency,
                order,
                dispute.reference,
                f"Dispute on order {order.number} lost",
            )
        message = f"The dispute of {money} was lost; the order's downloads are revoked."
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if OrderStatus.REFUNDED in TRANSITIONS.get(locked.status, set()):
            order_transition(
                order=locked, to=OrderStatus.REFUNDED, kind="dispute_lost", message=message
            )
        else:
            fulfillment.grants_revoke_lines(locked.lines.all())
            OrderEvent.objects.create(order=locked, kind="dispute_lost", message=message)
    _tell(
        order,
        f"Order {order.number}: {message}",
        subject=f"Dispute {'won' if won else 'lost'}: order {order.number}",
    )
    return "dispute won" if won else "dispute lost"


def _tell(order: Order, message: str, *, subject: str) -> None:
    """The photographer (in the studio and by email) and every admin (in the studio)."""
    path = reverse("studio:order", args=[order.public_id])
    notification_create(user=order.seller, message=message, url=path)
    email_queue_message(
        EmailMessage(
            subject=subject,
            body=f"{message}\n\n{settings.SITE_URL}{path}\n",
            to=[order.seller.email],
        )
    )
    staff = (
        get_user_model().objects.filter(is_staff=True, is_active=True).exclude(pk=order.seller_id)
    )
    for admin in staff:
        notification_create(user=admin, message=f"{message} (seller: {order.seller.email})")
