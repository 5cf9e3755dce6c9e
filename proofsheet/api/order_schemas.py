"""Orders as the API shows them, to their seller (`studio_orders`) and buyer (`client_orders`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema
from pydantic import Field

from proofsheet.core.money import quantize
from proofsheet.fulfillment import services as fulfillment
from proofsheet.orders import selectors
from proofsheet.orders.models import Order
from proofsheet.orders.services import order_access_url
from proofsheet.payments.selectors import order_money, payment_next_step, payment_summary


class LineOut(Schema):
    id: str
    product_name: str
    kind: str
    resolution: str
    licence: str
    options: list[str]
    quantity: int
    unit_price: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal


class EventOut(Schema):
    kind: str
    from_status: str
    to_status: str
    message: str
    created_at: dt.datetime


class GrantOut(Schema):
    id: str
    photo: str
    resolution: str
    downloads: int
    max_downloads: int
    expires_at: dt.datetime
    state: str


class ShipmentOut(Schema):
    carrier: str
    tracking_number: str
    tracking_url: str
    shipped_at: dt.datetime


class OrderOut(Schema):
    id: str
    number: str
    status: str
    email: str
    currency: str
    subtotal: Decimal
    discount_total: Decimal
    shipping_total: Decimal
    tax_total: Decimal
    total: Decimal
    placed_at: dt.datetime
    paid_at: dt.datetime | None


class BuyerRefundOut(Schema):
    amount: Decimal
    created_at: dt.datetime
    lines: list[str]  # the refunded lines' product names ([]: an amount)


class BuyerPaymentOut(Schema):
    paid_with: str  # "Visa •••• 4242", or "" (not paid by card)
    refunds: list[BuyerRefundOut]
    pay_url: str  # a pending card order's payment page (pay again after a decline), or ""
    last_failure: str  # why the last card attempt failed, or ""


class OrderDetailOut(OrderOut):
    prices_include_tax: bool
    discount_code: str
    shipping_method: str
    shipping_address: dict
    payment_instructions: str
    payment: BuyerPaymentOut
    lines: list[LineOut]
    shipments: list[ShipmentOut]
    downloads: list[GrantOut]
    events: list[EventOut]


def _money(amount, order: Order) -> Decimal:
    return quantize(amount, order.currency)


def order_out(order: Order) -> OrderOut:
    return OrderOut(
        id=str(order.public_id),
        number=order.number,
        status=order.status,
        email=order.email,
        currency=order.currency,
        subtotal=_money(order.subtotal, order),
        discount_total=_money(order.discount_total, order),
        shipping_total=_money(order.shipping_total, order),
        tax_total=_money(order.tax_total, order),
        total=_money(order.total, order),
        placed_at=order.placed_at,
        paid_at=order.paid_at,
    )


def order_detail_out(order: Order, *, with_events: bool) -> OrderDetailOut:
    return OrderDetailOut(
        **order_out(order).model_dump(),
        prices_include_tax=order.prices_include_tax,
        discount_code=order.discount_code,
        shipping_method=order.shipping_method,
        shipping_address=order.shipping_address or {},
        payment_instructions=payment_next_step(order).text,
        payment=_payment_out(order),
        lines=[
            LineOut(
                id=str(line.public_id),
                product_name=line.product_name,
                kind=line.kind,
                resolution=line.resolution,
                licence=line.licence,
                options=line.options or [],
                quantity=line.quantity,
                unit_price=_money(line.unit_price, order),
                discount=_money(line.discount, order),
                tax=_money(line.tax, order),
                total=_money(line.total, order),
            )
            for line in order.lines.all()
        ],
        shipments=[
            ShipmentOut(
                carrier=s.carrier,
                tracking_number=s.tracking_number,
                tracking_url=s.tracking_url,
                shipped_at=s.shipped_at,
            )
            for s in order.shipments.all()
        ],
        downloads=[
            GrantOut(
                id=str(g.public_id),
                photo=str(g.photo),
                resolution=g.resolution,
                downloads=g.downloads,
                max_downloads=g.max_downloads,
                expires_at=g.expires_at,
                state=g.state,
            )
            for g in fulfillment.grants_for_order(order)
        ],
        events=[
            EventOut(
                kind=e.kind,
                from_status=e.from_status,
                to_status=e.to_status,
                message=e.message,
                created_at=e.created_at,
            )
            for e in (selectors.order_events(order) if with_events else [])
        ],
    )


# --- what the seller sees of the order's money (studio_orders) ------------------------------


class PaymentOut(Schema):
    id: str
    provider: str
    status: str
    amount: Decimal
    amount_refunded: Decimal
    currency: str
    paid_with: str = Field(description='How it was paid: "Visa •••• 4242", "Sepa Debit", or ""')
    reference: str = Field(description="The provider's id (pi_…), if any")
    mismatch: str = Field(description="Why the provider's payment was not applied, if it was not")
    created_at: dt.datetime


class RefundOut(Schema):
    id: str
    amount: Decimal
    status: str
    source: str = Field(
        description="seller (you, studio or API), provider (made in Stripe's dashboard) or "
        "system (a payment that arrived for a cancelled order)"
    )
    reason: str
    lines: list[str]
    reference: str
    created_at: dt.datetime


class DisputeOut(Schema):
    id: str
    status: str
    amount: Decimal
    reason: str
    created_at: dt.datetime
    closed_at: dt.datetime | None


class SellerOrderDetailOut(OrderDetailOut):
    payments: list[PaymentOut]
    refunds: list[RefundOut]
    disputes: list[DisputeOut]
    refundable: Decimal = Field(description="What a refund may still give back (0: nothing)")
    partial_refunds: bool = Field(description="Whether lines or an amount may be refunded")


def seller_order_detail_out(order: Order) -> SellerOrderDetailOut:
    money = order_money(order)
    return SellerOrderDetailOut(
        **order_detail_out(order, with_events=True).model_dump(),
        payments=[
            PaymentOut(
                id=str(p.public_id),
                provider=p.provider,
                status=p.status,
                amount=_money(p.amount, order),
                amount_refunded=_money(p.amount_refunded, order),
                currency=p.currency,
                paid_with=p.paid_with,
                reference=p.reference,
                mismatch=p.mismatch,
                created_at=p.created_at,
            )
            for p in money.payments
        ],
        refunds=[
            RefundOut(
                id=str(r.public_id),
                amount=_money(r.amount, order),
                status=r.status,
                source=r.source,
                reason=r.reason,
                lines=list(r.lines),
                reference=r.reference,
                created_at=r.created_at,
            )
            for r in money.refunds
        ],
        disputes=[
            DisputeOut(
                id=str(d.public_id),
                status=d.status,
                amount=_money(d.amount, order),
                reason=d.reason,
                created_at=d.created_at,
                closed_at=d.closed_at,
            )
            for d in money.disputes
        ],
        refundable=_money(money.refundable, order),
        partial_refunds=money.partial,
    )


def _payment_out(order: Order) -> BuyerPaymentOut:
    summary = payment_summary(order)
    return BuyerPaymentOut(
        paid_with=summary.paid_with,
        refunds=[
            BuyerRefundOut(amount=_money(r.amount, order), created_at=r.at, lines=r.lines)
            for r in summary.refunds
        ],
        pay_url=order_access_url(order) + "pay/" if summary.card_pending else "",
        last_failure=summary.last_failure,
    )
