"""Orders: creation from priced lines, and the state machine with its event log (R34).

Prices arrive here already computed by the cart's pricing (server-side, R30); this module only
records them, numbers the order and moves it through allowed states. Fulfilment sits below orders
in the layers, so a transition calls it directly: entering PAID issues the download grants (and
queues the "paid" email with their links), entering REFUNDED or CANCELLED revokes them.

Entering CANCELLED also gives back what checkout claimed: the limited stock of the lines'
products (here: `catalog` is below) and the discount code's use (in `cart`, above: through the
`signals.order_cancelled` signal). A refund gives back neither stock nor code: the print may have
been made or shipped, and the code was used on an order that went through.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from proofsheet.catalog.models import Product
from proofsheet.core.errors import Conflict, Invalid, NotFound
from proofsheet.core.models import as_public_id
from proofsheet.core.money import format_amount, quantize
from proofsheet.fulfillment import services as fulfillment
from proofsheet.notifications.services import email_queue_message, notification_create
from proofsheet.orders.models import Order, OrderEvent, OrderLine, OrderStatus, Shipment
from proofsheet.orders.signals import order_cancelled

# Allowed moves. Digital-only orders go paid → completed; physical ones ship first.
TRANSITIONS: dict[str, set[str]] = {
    OrderStatus.PENDING: {OrderStatus.PAID, OrderStatus.CANCELLED},
    OrderStatus.PAID: {
        OrderStatus.SHIPPED,
        OrderStatus.COMPLETED,
        OrderStatus.REFUNDED,
        OrderStatus.CANCELLED,
    },
    OrderStatus.SHIPPED: {OrderStatus.COMPLETED, OrderStatus.REFUNDED},
    OrderStatus.COMPLETED: {OrderStatus.REFUNDED},
    OrderStatus.CANCELLED: set(),
    OrderStatus.REFUNDED: set(),
}


class TransitionNotAllowed(Conflict):
    """The order is not in a state this change can start from."""

    code = "transition_not_allowed"


@dataclass(frozen=True)
class LineSpec:
    """One priced line, as the cart's pricing computed it."""

    product_name: str
    kind: str
    quantity: int
    unit_price: Decimal
    total: Decimal
    discount: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)
    photo_id: int | None = None
    gallery_id: int | None = None
    product_id: int | None = None  # the catalogue product, whose limited stock a cancel returns
    resolution: str = ""
    licence: str = ""
    options: list[str] = field(default_factory=list)
    shipping_address: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    discount_total: Decimal
    shipping_total: Decimal
    tax_total: Decimal
    total: Decimal


def order_create(
    *,
    seller,
    email: str,
    currency: str,
    lines: Iterable[LineSpec],
    totals: Totals,
    payment_provider: str,
    customer=None,
    prices_include_tax: bool = True,
    discount_code: str = "",
    shipping_method: str = "",
    shipping_address: dict | None = None,
    cart_public_id=None,
    idempotency_key: str = "",
) -> Order:
    """Record a placed order and return it.

    `cart_public_id` and `idempotency_key` name the placement: the checkout looks for an order
    with both before placing (`orders.selectors.order_placed_from`), and a unique constraint
    keeps a second one from being recorded.
    """
    amounts = {name: quantize(value, currency) for name, value in vars(totals).items()}
    with transaction.atomic():
        order = Order.objects.create(
            number=f"new-{uuid.uuid4().hex[:16]}",  # replaced by the id-based number below
            seller=seller,
            customer=customer,
            email=email.strip().lower(),
            currency=currency,
            prices_include_tax=prices_include_tax,
            discount_code=discount_code,
            shipping_method=shipping_method,
            shipping_address=shipping_address or {},
            payment_provider=payment_provider,
            cart_public_id=cart_public_id,
            idempotency_key=idempotency_key,
            **amounts,
        )
        # Numbers follow the primary key: unique without a counter to race on.
        order.number = f"PS-{order.pk:06d}"
        order.save(update_fields=["number"])
        OrderLine.objects.bulk_create(_line(order, spec, currency) for spec in lines)
        OrderEvent.objects.create(order=order, kind="placed", to_status=OrderStatus.PENDING)
    return order


def _line(order: Order, spec: LineSpec, currency: str) -> OrderLine:
    return OrderLine(
        order=order,
        photo_id=spec.photo_id,
        gallery_id=spec.gallery_id,
        product_id=spec.product_id,
        product_name=spec.product_name,
        kind=spec.kind,
        resolution=spec.resolution,
        licence=spec.licence,
        options=spec.options,
        quantity=spec.quantity,
        unit_price=quantize(spec.unit_price, currency),
        discount=quantize(spec.discount, currency),
        tax=quantize(spec.tax, currency),
        total=quantize(spec.total, currency),
        shipping_address=spec.shipping_address,
    )


def order_transition(
    *, order: Order, to: str, actor=None, kind: str = "", message: str = ""
) -> Order:
    """Move an order to `to` if the machine allows it, logging the event; else raise.

    Entering CANCELLED returns the lines' limited stock and sends `order_cancelled` (the code's
    use is given back by `cart`), in this transaction; the log says what came back. Entering
    REFUNDED returns no stock: the print may have been made or shipped already.
    """
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if to not in TRANSITIONS.get(locked.status, set()):
            raise TransitionNotAllowed(
                f"Order {locked.number} is {locked.get_status_display().lower()}; "
                f"it cannot become {OrderStatus(to).label.lower()}."
            )
        previous = locked.status
        locked.status = to
        fields = ["status", "updated_at"]
        if to == OrderStatus.PAID:
            locked.paid_at = timezone.now()
            fields.append("paid_at")
        locked.save(update_fields=fields)
        notes: list[str] = []
        if to == OrderStatus.CANCELLED:
            notes.append(_stock_return(locked))
            # Receivers run in this transaction: a failure rolls the cancellation back too.
            for _receiver, note in order_cancelled.send(sender=Order, order=locked):
                notes.append(note if isinstance(note, str) else "")
        OrderEvent.objects.create(
            order=locked,
            kind=kind or to,
            from_status=previous,
            to_status=to,
            actor=actor,
            message=_event_message(message, notes),
        )
        if to == OrderStatus.PAID:
            issued = fulfillment.grants_issue(locked)
            _paid_email(locked, issued)
        elif to in (OrderStatus.REFUNDED, OrderStatus.CANCELLED):
            fulfillment.grants_revoke(locked)
    return locked


def _event_message(message: str, notes: list[str], limit: int = 500) -> str:
    """The actor's words, then what the system did ("client asked — Stock returned: …")."""
    system = " ".join(note for note in notes if note)[:limit]
    if not system:
        return message[:limit]
    room = limit - len(system) - 3
    message = message.strip()[: max(room, 0)]
    return f"{message} — {system}" if message else system


def _stock_return(order: Order) -> str:
    """Give back the limited stock the order's lines took; say what came back ("" if nothing).

    Products are updated in id order, as checkout claims them, so the two never deadlock. An
    unlimited product (stock NULL) stays unlimited; a deleted one has nothing to return to.
    """
    wanted: dict[int, int] = defaultdict(int)
    for product_id, quantity in order.lines.filter(product__isnull=False).values_list(
        "product_id", "quantity"
    ):
        wanted[product_id] += quantity
    returned = []
    for product_id in sorted(wanted):
        quantity = wanted[product_id]
        if Product.objects.filter(pk=product_id, stock__isnull=False).update(
            stock=F("stock") + quantity
        ):
            name = Product.objects.filter(pk=product_id).values_list("name", flat=True).first()
            returned.append(f"{quantity} × {name}")
    return f"Stock returned: {', '.join(returned)}." if returned else ""


def order_note(*, order: Order, actor, message: str) -> OrderEvent:
    """A seller's note in the order's log (no status change)."""
    return OrderEvent.objects.create(order=order, kind="note", actor=actor, message=message[:500])


# --- seller actions ---------------------------------------------------------------------------


def order_mark_shipped(
    *, order: Order, carrier: str, tracking_number: str, tracking_url: str = "", actor=None
) -> Shipment:
    """Record the shipment, move the order to SHIPPED and email the client the tracking."""
    carrier, tracking_number, tracking_url = (
        carrier.strip(),
        tracking_number.strip(),
        tracking_url.strip(),
    )
    errors = {}
    if not carrier:
        errors["carrier"] = "Name the carrier."
    if not tracking_number:
        errors["tracking_number"] = "Enter the tracking number."
    if tracking_url:
        try:
            URLValidator(schemes=["http", "https"])(tracking_url)
        except ValidationError:
            errors["tracking_url"] = "Enter a web address starting with https://."
    if errors:
        raise Invalid(errors)
    if not order.needs_shipping:
        raise TransitionNotAllowed(f"Order {order.number} has nothing to ship.")
    with transaction.atomic():
        locked = order_transition(
            order=order,
            to=OrderStatus.SHIPPED,
            actor=actor,
            message=f"{carrier} {tracking_number}",
        )
        shipment = Shipment.objects.create(
            order=locked,
            carrier=carrier[:60],
            tracking_number=tracking_number[:100],
            tracking_url=tracking_url[:200],
        )
        _send(locked, "shipped", {"shipment": shipment})
    order.refresh_from_db()
    return shipment


def order_complete(*, order: Order, actor=None) -> Order:
    """The seller closes a paid or shipped order."""
    return order_transition(order=order, to=OrderStatus.COMPLETED, actor=actor)


def order_cancel(*, order: Order, actor=None, reason: str = "") -> Order:
    """Cancel a pending (or paid but not yet shipped) order; its downloads are revoked.

    Its limited stock and its code's use are given back (see `order_transition`).
    """
    return order_transition(order=order, to=OrderStatus.CANCELLED, actor=actor, message=reason)


def order_grant_reissue(*, order: Order, grant_public_id, actor=None):
    """The seller re-issues one of the order's downloads (new link emailed); logged.

    Returns the IssuedGrant; NotFound when the order has no such download.
    """
    wanted = str(grant_public_id)
    grants = fulfillment.grants_for_order(order)
    grant = next((g for g in grants if str(g.public_id) == wanted), None)
    if grant is None:
        raise NotFound("The order has no such download.")
    with transaction.atomic():
        issued = fulfillment.grant_reissue(grant)
        OrderEvent.objects.create(
            order=order,
            kind="download_reissued",
            actor=actor,
            message=f"{grant.photo} ({grant.resolution_label})"[:500],
        )
    return issued


# --- emails -------------------------------------------------------------------------------

ACCESS_SALT = "proofsheet.orders.access"
ACCESS_MAX_AGE = 60 * 60 * 24 * 365  # a year: the link is how a guest finds their order again


def order_access_token(order: Order) -> str:
    """A signed token that opens this order's page without an account."""
    return signing.dumps(str(order.public_id), salt=ACCESS_SALT, compress=True)


def order_from_access_token(token: str) -> Order | None:
    """The order a signed token opens, or None for a tampered, expired or unknown one."""
    try:
        public_id = signing.loads(token, salt=ACCESS_SALT, max_age=ACCESS_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    public_id = as_public_id(public_id)
    return Order.objects.filter(public_id=public_id).first() if public_id else None


def order_access_url(order: Order) -> str:
    return settings.SITE_URL + reverse("storefront:order", args=[order_access_token(order)])


def _send(order: Order, template: str, extra: dict | None = None, *, to: str | None = None) -> None:
    """Render orders/email/<template>.{txt,html} and put it in the outbox (sent after commit).

    It goes to the buyer unless `to` names someone else (the seller).
    """
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "order_url": order_access_url(order),
        "site_url": settings.SITE_URL,
        "paid_with": order_paid_with(order),
    } | (extra or {})
    subject = render_to_string(f"orders/email/{template}_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"orders/email/{template}.txt", context),
        to=[to or order.email],
    )
    message.attach_alternative(
        render_to_string(f"orders/email/{template}.html", context), "text/html"
    )
    email_queue_message(message)


def order_paid_with(order: Order) -> str:
    """How the order was paid, for people ("Visa •••• 4242"), or "" (not paid by card)."""
    if order.pk is None:
        return ""
    payments = order.payments.filter(status__in=["succeeded", "refunded"]).order_by("-id")
    return next((payment.paid_with for payment in payments if payment.paid_with), "")


def order_confirmation_send(order: Order, *, pay_url: str = "") -> bool:
    """Email the client their order confirmation once (True when queued now, False if it was).
    `pay_url`: the card payment page, for an order to be paid by card."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.events.filter(kind="confirmation_sent").exists():
            return False
        OrderEvent.objects.create(order=locked, kind="confirmation_sent")
        _send(locked, "confirmation", {"pay_url": pay_url})
    return True


def order_refund_send(order: Order, *, amount: str, lines: list[str], reason: str = "") -> None:
    """Tell the client money was given back (`amount`, formatted; the refunded lines' names);
    the caller sends it once per refund. Queued, sent after commit."""
    _send(order, "refunded", {"amount": amount, "refunded_lines": lines, "reason": reason})


def order_seller_notify(order: Order) -> bool:
    """Tell the seller an order arrived, in the studio and by email; once per order.

    Returns True when the alert was made now, False when it had been already (a retry).
    """
    with transaction.atomic():
        locked = Order.objects.select_for_update().select_related("seller").get(pk=order.pk)
        if locked.events.filter(kind="seller_notified").exists():
            return False
        OrderEvent.objects.create(order=locked, kind="seller_notified")
        path = reverse("studio:order", args=[locked.public_id])
        lines = list(locked.lines.all())
        count = sum(line.quantity for line in lines)
        notification_create(
            user=locked.seller,
            message=(
                f"New order {locked.number} from {locked.email}: "
                f"{count} item{'' if count == 1 else 's'}, "
                f"{format_amount(locked.total, locked.currency)}."
            ),
            url=path,
        )
        _send(
            locked,
            "seller_new_order",
            {"lines": lines, "studio_url": settings.SITE_URL + path},
            to=locked.seller.email,
        )
    return True


def _paid_email(order: Order, issued: list) -> None:
    downloads = [{"grant": item.grant, "url": fulfillment.grant_url(item.token)} for item in issued]
    _send(
        order,
        "paid",
        {
            "downloads": downloads,
            "grant_days": settings.DOWNLOAD_GRANT_DAYS,
            "grant_max": settings.DOWNLOAD_GRANT_MAX,
        },
    )


# --- export -------------------------------------------------------------------------------

CSV_COLUMNS = [
    "number", "placed_at", "status", "email", "currency", "subtotal", "discount", "shipping",
    "tax", "total", "discount_code", "shipping_method", "country", "lines", "paid_at",
]  # fmt: skip


def orders_csv(orders: Iterable[Order]) -> str:
    """The seller's orders as CSV, one row per order (client-typed text neutralised)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for order in orders:
        writer.writerow(
            [
                order.number,
                order.placed_at.isoformat(),
                order.status,
                _csv_safe(order.email),
                order.currency,
                quantize(order.subtotal, order.currency),
                quantize(order.discount_total, order.currency),
                quantize(order.shipping_total, order.currency),
                quantize(order.tax_total, order.currency),
                quantize(order.total, order.currency),
                _csv_safe(order.discount_code),
                _csv_safe(order.shipping_method),
                _csv_safe(str((order.shipping_address or {}).get("country", ""))),
                _csv_safe(" | ".join(str(line) for line in order.lines.all())),
                order.paid_at.isoformat() if order.paid_at else "",
            ]
        )
    return out.getvalue()


def _csv_safe(value: str) -> str:
    """Neutralise spreadsheet formulas in client-typed text (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
