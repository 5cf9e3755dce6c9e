"""Orders as the API shows them, to their seller (`studio_orders`) and buyer (`client_orders`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema

from proofsheet.core.money import quantize
from proofsheet.fulfillment import services as fulfillment
from proofsheet.orders import selectors
from proofsheet.orders.models import Order
from proofsheet.orders.services import order_access_url
from proofsheet.payments.selectors import payment_next_step, payment_summary


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


class RefundOut(Schema):
    amount: Decimal
    created_at: dt.datetime
    lines: list[str]  # the refunded lines' product names ([]: an amount)


class PaymentOut(Schema):
    paid_with: str  # "Visa •••• 4242", or "" (not paid by card)
    refunds: list[RefundOut]
    pay_url: str  # a pending card order's payment page (pay again after a decline), or ""
    last_failure: str  # why the last card attempt failed, or ""


class OrderDetailOut(OrderOut):
    prices_include_tax: bool
    discount_code: str
    shipping_method: str
    shipping_address: dict
    payment_instructions: str
    payment: PaymentOut
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


def _payment_out(order: Order) -> PaymentOut:
    summary = payment_summary(order)
    return PaymentOut(
        paid_with=summary.paid_with,
        refunds=[
            RefundOut(amount=_money(r.amount, order), created_at=r.at, lines=r.lines)
            for r in summary.refunds
        ],
        pay_url=order_access_url(order) + "pay/" if summary.card_pending else "",
        last_failure=summary.last_failure,
    )
