"""Card payments (a provider with `takes_cards`, Stripe): attempts, their outcome, refunds and the
provider's webhook events.

The browser is never proof of payment. An order becomes paid only in `intent_apply`, fed by a
verified webhook event or by the server's own retrieve of the PaymentIntent; both lock the
payment's row, so a webhook racing the buyer's return pays the order once. Each event id is
stored (unique) in the transaction that applies it, so duplicated, replayed or re-delivered
events change nothing twice; state only moves forward, so late or out-of-order ones are harmless.

Refunds reserve their amount on the payment under its row lock before the provider is asked, so
two refunds at once can never give back more than was paid; a refused call gives it back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum

from proofsheet.core.errors import Conflict, DomainError, Invalid, NotFound
from proofsheet.core.money import amount_clean, exponent, format_amount, quantize
from proofsheet.core.tasks import retrying_task
from proofsheet.fulfillment import services as fulfillment
from proofsheet.orders.models import Order, OrderEvent, OrderLine, OrderStatus
from proofsheet.orders.services import TRANSITIONS, order_refund_send, order_transition
from proofsheet.payments import connect
from proofsheet.payments.ledger import (
    ledger_payment_succeeded,
    ledger_record,
    ledger_refund_succeeded,
)
from proofsheet.payments.models import (
    LedgerKind,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
    WebhookEvent,
)
from proofsheet.payments.providers import PaymentUnsupported, get_provider
from proofsheet.payments.providers.base import (
    CardSession,
    IntentState,
    PaymentDeclined,
    ProviderEvent,
    RefundTooLarge,
)
from proofsheet.payments.providers.stripe import to_minor

logger = logging.getLogger(__name__)

# Stripe's PaymentIntent statuses that end an attempt without money: a new attempt is needed.
ENDED = {"canceled"}
# Statuses after which the buyer still has something to do (or wait for) on this attempt.
OPEN = {"requires_payment_method", "requires_confirmation", "requires_action", "processing"}


def card_provider(order: Order):
    provider = get_provider(order.payment_provider)
    if not provider.takes_cards:
        raise PaymentUnsupported(f"Order {order.number} is not paid by card.")
    return provider


# --- paying -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentPage:
    """What the buyer's payment page shows: the card form's settings and the last failure."""

    order: Order
    session: CardSession
    failure: str = ""


def card_payment_page(order: Order) -> PaymentPage:
    """The payment page of a pending card order (asks the provider nothing)."""
    provider = card_provider(order)
    _pending_or_refuse(order)
    if connect.marketplace():
        connect.destination_for(order.seller)  # refused, clearly, when they cannot take cards
    last = order.payments.order_by("-id").first()
    return PaymentPage(
        order=order, session=provider.session(), failure=last.failure_message if last else ""
    )


def _pending_or_refuse(order: Order) -> None:
    if order.status != OrderStatus.PENDING:
        raise Conflict(
            f"Order {order.number} is {order.get_status_display().lower()}: "
            "there is nothing to pay."
        )


def card_setup(order: Order, *, customer: str = "") -> str:
    """A SetupIntent's client secret for the card form to turn a card into a PaymentMethod."""
    provider = card_provider(order)
    _pending_or_refuse(order)
    return provider.setup_create(customer=customer)


def card_payment_confirm(
    order: Order,
    *,
    payment_method: str,
    customer: str = "",
    save_method: bool = False,
    return_url: str = "",
) -> IntentState:
    """Pay the order with the card the browser collected: one PaymentIntent per attempt, for
    the server's total, created and confirmed here.

    An attempt still open (being authenticated, processing) is returned as it is, never paid
    twice; one that failed is cancelled and a new attempt begins. A decline is recorded on the
    attempt and raised (PaymentDeclined, 402); an unreachable provider raises
    PaymentUnavailable and leaves the order pending as it was.
    """
    provider = card_provider(order)
    if not payment_method.startswith("pm_") or len(payment_method) > 100:
        raise Invalid({"payment_method": "Not a payment method from the card form."})
    declined = None
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        _pending_or_refuse(locked)
        payment = Payment.objects.filter(order=locked, status=PaymentStatus.PENDING).first()
        if payment is not None and payment.reference:
            state = provider.intent_get(payment.reference)
            if state.status not in ("requires_payment_method", "canceled"):
                return state  # still going (3-D Secure, processing) or done: no second charge
            if state.status != "canceled":
                provider.intent_cancel(payment.reference)
            payment.status = PaymentStatus.FAILED
            payment.save(update_fields=["status", "updated_at"])
            payment = None
        if payment is None:
            payment = Payment.objects.create(
                order=locked,
                provider=locked.payment_provider,
                amount=locked.total,
                currency=locked.currency,
                attempt=Payment.objects.filter(order=locked).count() + 1,
            )
        if connect.marketplace() and not payment.destination:
            _marketplace_split(locked, payment)
        try:
            state = provider.intent_create(
                locked,
                attempt=payment.attempt,
                payment_method=payment_method,
                customer=customer,
                save_method=save_method,
                return_url=return_url,
                application_fee=(
                    to_minor(payment.application_fee, payment.currency)
                    if payment.destination
                    else None
                ),
                destination=payment.destination,
            )
        except PaymentDeclined as refused:
            declined = refused
            payment.status, payment.failure_message = PaymentStatus.FAILED, refused.message[:300]
            payment.save(update_fields=["status", "failure_message", "updated_at"])
            OrderEvent.objects.create(
                order=locked, kind="payment_failed", message=refused.message[:500]
            )
        else:
            payment.reference, payment.client_secret = state.reference, state.client_secret
            payment.amount = locked.total
            payment.save(update_fields=["reference", "client_secret", "amount", "updated_at"])
    if declined is not None:
        raise declined
    intent_apply(state, source="confirm")
    order.refresh_from_db()
    return state


def _marketplace_split(order: Order, payment: Payment) -> None:
    """Marketplace: the attempt's charge goes to the seller's connected account less the
    platform's commission; both are kept on the payment (a retried attempt asks for the same).
    A seller whose account cannot take charges is refused (payment_unsupported), charging
    nothing."""
    account = connect.destination_for(order.seller)
    percent = connect.commission_percent(order.seller)
    payment.destination = account.reference
    payment.application_fee = connect.application_fee(payment.amount, payment.currency, percent)
    payment.save(update_fields=["destination", "application_fee", "updated_at"])


def card_payment_sync(order: Order) -> Order:
    """Ask the provider how the order's open attempt stands and apply it (the buyer's return
    from the card form, a "check again" button). Unreachable: the order is left as it was."""
    payment = order.payments.filter(status=PaymentStatus.PENDING).exclude(reference="").first()
    if payment is not None:
        intent_apply(card_provider(order).intent_get(payment.reference))
        order.refresh_from_db()
    return order


def intent_apply(state: IntentState, *, source: str = "retrieve") -> str:
    """Bring our records in line with a PaymentIntent's state; return what changed (for logs).

    Idempotent and forward only: a paid order stays paid, a failure after success is ignored.
    """
    refund_after = None
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update()
            .select_related("order")
            .filter(reference=state.reference)
            .first()
        )
        if payment is None:
            return "unknown payment"
        order = payment.order
        if state.order_public_id and state.order_public_id != str(order.public_id):
            return _flag(payment, f"the payment names another order ({state.order_public_id})")
        if state.status == "succeeded":
            expected = to_minor(payment.amount, payment.currency)
            if (state.amount, state.currency) != (expected, payment.currency.upper()):
                return _flag(
                    payment,
                    f"paid {state.amount} {state.currency} (minor units), "
                    f"expected {expected} {payment.currency}",
                )
            if payment.status != PaymentStatus.PENDING:
                return "already applied"
            payment.status = PaymentStatus.SUCCEEDED
            payment.method = state.method or "card"
            payment.card_brand, payment.card_last4 = state.card_brand, state.card_last4
            payment.failure_message = ""
            payment.save()
            ledger_payment_succeeded(payment)
            order = Order.objects.select_for_update().get(pk=order.pk)
            if order.status == OrderStatus.PENDING:
                order_transition(
                    order=order,
                    to=OrderStatus.PAID,
                    kind="paid",
                    message=f"Paid by {payment.paid_with or 'card'} ({source})",
                )
                return "paid"
            # Paid for an order cancelled meanwhile: the money goes straight back.
            refund_after = payment
            OrderEvent.objects.create(
                order=order,
                kind="payment_late",
                message="A payment arrived after the order was cancelled; it is refunded.",
            )
        elif state.status in ENDED and payment.status == PaymentStatus.PENDING:
            payment.status = PaymentStatus.FAILED
            payment.failure_message = "The payment was cancelled."
            payment.save()
            return "ended"
        elif state.failure and payment.status == PaymentStatus.PENDING:
            if state.failure != payment.failure_message:
                payment.failure_message = state.failure[:300]
                payment.save(update_fields=["failure_message", "updated_at"])
                OrderEvent.objects.create(
                    order=order, kind="payment_failed", message=state.failure[:500]
                )
            return "failed"
        else:
            return "no change"
    refund_create(order=refund_after.order, actor=None, source="system", reason="Order cancelled")
    return "refunded a late payment"


def _ledger_reversal(payment: Payment, refund: Refund) -> None:
    """A refund of a marketplace charge gives back the same share of the platform's fee,
    rounded down in minor units, as Stripe does (`refund_application_fee`). The seller's side is
    the refund (−amount, `ledger_refund_succeeded`) less this fee refund (+), which is what
    `reverse_transfer` takes back from their account (to a minor unit)."""
    order, currency = payment.order, payment.currency
    whole = to_minor(payment.amount, currency)
    back = to_minor(refund.amount, currency)
    fee = to_minor(payment.application_fee, currency)
    unit = Decimal(1).scaleb(-exponent(currency))
    fee_back = (back * fee // whole) * unit
    if fee_back:
        ledger_record(
            order.seller,
            LedgerKind.FEE_REFUND,
            fee_back,
            currency,
            order,
            refund.reference,
            f"Platform fee given back with the refund on order {order.number}",
        )


def _flag(payment: Payment, problem: str) -> str:
    """A payment that does not match its order is never applied; it is flagged once, for people
    to look at (the order page and the log say so)."""
    if payment.mismatch != problem[:300]:
        payment.mismatch = problem[:300]
        payment.save(update_fields=["mismatch", "updated_at"])
        OrderEvent.objects.create(
            order=payment.order, kind="payment_mismatch", message=f"Not applied: {problem}"[:500]
        )
        logger.error("payment %s not applied: %s", payment.public_id, problem)
    return "mismatch"


# --- refunds ------------------------------------------------------------------------------


def refund_create(
    *,
    order: Order,
    actor,
    amount=None,
    line_ids: list | None = None,
    reason: str = "",
    source: str = "seller",
) -> Refund:
    """Give money back on the order's card payment: the rest of it (no amount, no lines), chosen
    lines (their totals), or an amount. Refunded lines lose their downloads; a payment refunded
    in full makes the order refunded. Raises RefundTooLarge beyond what is left."""
    provider = card_provider(order)
    lines = _lines(order, line_ids)
    with transaction.atomic():
        payment = _paid_payment(order, lock=True)
        want = _refund_amount(payment, amount, lines)
        if want > payment.refundable:
            raise RefundTooLarge(
                f"Only {format_amount(payment.refundable, payment.currency)} is left to refund.",
                fields={"amount": "More than what is left to refund."},
            )
        payment.amount_refunded += want
        payment.save(update_fields=["amount_refunded", "updated_at"])
        refund = Refund.objects.create(
            payment=payment,
            amount=want,
            reason=reason[:300],
            lines=[str(line.public_id) for line in lines],
            actor=actor,
            source=source,
        )
    try:
        result = provider.refund(
            reference=payment.reference,
            amount=want,
            currency=payment.currency,
            idempotency_key=f"refund-{refund.public_id}",
            metadata={"proofsheet_refund": str(refund.public_id)},
            # Marketplace: the seller's transfer and the platform's fee go back in proportion.
            reverse_transfer=bool(payment.destination),
        )
    except DomainError as refused:
        _refund_failed(refund, str(refused))
        raise
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.status == RefundStatus.PENDING:
            refund.reference = result.reference
            _refund_succeeded(payment, refund, reversed_transfer=bool(payment.destination))
    refund.refresh_from_db()
    return refund


def _lines(order: Order, line_ids) -> list[OrderLine]:
    if not line_ids:
        return []
    lines = list(order.lines.filter(public_id__in=line_ids))
    if len(lines) != len(set(map(str, line_ids))):
        raise NotFound("Some of those lines are not in this order.")
    return lines


def _paid_payment(order: Order, *, lock: bool) -> Payment:
    payments = Payment.objects.filter(
        order=order, status__in=[PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED]
    ).exclude(reference="")
    payment = (payments.select_for_update() if lock else payments).first()
    if payment is None:
        raise PaymentUnsupported(f"Order {order.number} has no card payment to refund.")
    return payment


def _refund_amount(payment: Payment, amount, lines: list[OrderLine]) -> Decimal:
    if lines:
        if amount not in (None, ""):
            raise Invalid({"amount": "Give lines or an amount, not both."})
        want = sum((line.total for line in lines), Decimal(0))
        # Lines refunded already are not paid back twice.
        done = {
            line_id
            for refund in payment.refunds.exclude(status=RefundStatus.FAILED)
            for line_id in refund.lines
        }
        again = [line.product_name for line in lines if str(line.public_id) in done]
        if again:
            raise Invalid({"lines": f"Already refunded: {', '.join(again)}."})
        return min(quantize(want, payment.currency), payment.refundable)
    if amount in (None, ""):
        want = payment.refundable
    else:
        want = amount_clean(amount, payment.currency, field="amount")
    if want <= 0:
        raise Invalid(
            {
                "amount": "Nothing is left to refund."
                if amount is None
                else "Give an amount above zero."
            }
        )
    return want


def _refund_failed(refund: Refund, message: str) -> None:
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=refund.payment_id)
        locked = Refund.objects.select_for_update().get(pk=refund.pk)
        if locked.status != RefundStatus.PENDING:
            return
        payment.amount_refunded -= locked.amount
        payment.save(update_fields=["amount_refunded", "updated_at"])
        locked.status, locked.failure_message = RefundStatus.FAILED, message[:300]
        locked.save(update_fields=["status", "failure_message", "updated_at"])


def _refund_succeeded(payment: Payment, refund: Refund, *, reversed_transfer: bool) -> None:
    """A refund the provider made: record it and apply its effects (once; the caller holds the
    payment's and the refund's row locks). `reversed_transfer`: it took the seller's share back
    from their connected account (marketplace)."""
    refund.status = RefundStatus.SUCCEEDED
    refund.save()
    if not payment.destination:
        ledger_refund_succeeded(payment, refund)
    elif reversed_transfer:  # a refund the platform paid alone costs the seller nothing
        ledger_refund_succeeded(payment, refund)
        _ledger_reversal(payment, refund)
    order = payment.order
    text = f"Refunded {format_amount(refund.amount, payment.currency)}"
    if refund.reason:
        text += f": {refund.reason}"
    if payment.amount_refunded >= payment.amount:
        payment.status = PaymentStatus.REFUNDED
        payment.save(update_fields=["status", "updated_at"])
        if OrderStatus.REFUNDED in TRANSITIONS.get(order.status, set()):
            order_transition(
                order=order,
                to=OrderStatus.REFUNDED,
                actor=refund.actor,
                kind="refunded",
                message=text,
            )
            _refund_email(order, refund)
            return
    if refund.lines:
        fulfillment.grants_revoke_lines(order.lines.filter(public_id__in=refund.lines))
    OrderEvent.objects.create(order=order, kind="refund", actor=refund.actor, message=text[:500])
    _refund_email(order, refund)


def _refund_email(order: Order, refund: Refund) -> None:
    """The client's "refunded" email: once per refund, as this runs once per refund (under the
    refund's lock, when it turns succeeded); queued, sent after commit."""
    names = list(
        order.lines.filter(public_id__in=refund.lines).values_list("product_name", flat=True)
    )
    reason = "" if refund.source == "provider" else refund.reason
    order_refund_send(
        order,
        amount=format_amount(refund.amount, refund.payment.currency),
        lines=names,
        reason=reason,
    )


def refunds_reconcile(*, reference: str, refunds: list[dict], currency: str) -> str:
    """Refunds the provider reports on a payment (`charge.refunded`), ours or made in its own
    dashboard: each is recorded once, by its id, with its effects."""
    changed = 0
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update()
            .select_related("order")
            .filter(reference=reference)
            .first()
        )
        if payment is None:
            return "unknown payment"
        for item in refunds:
            if item.get("status") not in (None, "succeeded", "pending"):
                continue
            ref = str(item["id"])
            if Refund.objects.filter(reference=ref).exists():
                continue
            ours = (item.get("metadata") or {}).get("proofsheet_refund")
            pending = (
                Refund.objects.select_for_update()
                .filter(public_id=ours, payment=payment, status=RefundStatus.PENDING)
                .first()
                if ours
                else None
            )
            if pending is not None:  # ours, whose answer has not been recorded yet
                pending.reference = ref
                _refund_succeeded(payment, pending, reversed_transfer=bool(payment.destination))
            else:  # made in the provider's dashboard
                amount = Decimal(int(item["amount"])).scaleb(-exponent(currency.upper()))
                amount = min(amount, payment.refundable)
                if amount <= 0:
                    continue
                payment.amount_refunded += amount
                payment.save(update_fields=["amount_refunded", "updated_at"])
                refund = Refund.objects.create(
                    payment=payment,
                    amount=amount,
                    reference=ref,
                    source="provider",
                    reason="Refunded in the payment provider's dashboard",
                )
                _refund_succeeded(
                    payment, refund, reversed_transfer=bool(item.get("transfer_reversal"))
                )
            changed += 1
    return f"{changed} refund(s) recorded"


def refunded_total(order: Order) -> Decimal:
    total = Refund.objects.filter(payment__order=order, status=RefundStatus.SUCCEEDED).aggregate(
        total=Sum("amount")
    )["total"]
    return total or Decimal(0)


# --- webhook events -----------------------------------------------------------------------

INTENT_EVENTS = {
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    "payment_intent.processing",
}


def event_handle(provider_name: str, event: ProviderEvent) -> str:
    """Apply one verified event, exactly once: its id is stored in the same transaction as the
    change it causes, and a second delivery finds it taken. Returns what it did."""
    provider = get_provider(provider_name)
    try:
        with transaction.atomic():
            stored = WebhookEvent.objects.create(
                provider=provider_name, event_id=event.id, type=event.type[:100]
            )
            outcome = _dispatch(provider, event)
            stored.outcome = outcome[:300]
            stored.save(update_fields=["outcome"])
    except IntegrityError:
        return "duplicate"
    return outcome


def _dispatch(provider, event: ProviderEvent) -> str:
    if event.type in INTENT_EVENTS:
        return intent_apply(provider.event_intent(event.data), source="webhook")
    if event.type == "charge.refunded":
        charge = event.data
        intent = charge.get("payment_intent")
        refunds = (charge.get("refunds") or {}).get("data") or []
        return refunds_reconcile(
            reference=str(intent or ""), refunds=refunds, currency=str(charge.get("currency", ""))
        )
    handler = EVENT_HANDLERS.get(event.type)
    if handler is not None:
        return handler(event)
    return "ignored"


# Further event types (disputes, connected accounts) register a handler here.
EVENT_HANDLERS: dict = {}
EVENT_HANDLERS["account.updated"] = connect.account_updated  # marketplace: onboarding status


@retrying_task(max_attempts=8, backoff_seconds=5.0)
def event_handle_task(
    provider_name: str,
    event_id: str,
    event_type: str,
    data: dict,
    account: str = "",
    *,
    attempt: int = 1,
) -> str:
    """The webhook view answers at once; this applies the event (retried if it fails)."""
    return event_handle(
        provider_name, ProviderEvent(id=event_id, type=event_type, data=data, account=account)
    )


def webhook_receive(provider_name: str, body: bytes, headers) -> ProviderEvent:
    """Verify a webhook call and queue its event; raises WebhookRejected (400) when it is not
    the provider's. Nothing is applied here, so the provider gets its 2xx quickly."""
    provider = get_provider(provider_name)
    if not provider.supports_webhooks:
        raise PaymentUnsupported(f"The {provider_name} provider has no webhooks.")
    event = provider.event_verify(body, headers)
    event_handle_task.enqueue(provider_name, event.id, event.type, event.data, event.account)
    return event
