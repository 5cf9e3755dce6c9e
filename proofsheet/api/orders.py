"""/api/v1 endpoints for orders: the seller's list, detail and actions; the buyer's order status
and downloads (by account, or by a grant's token)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.http import FileResponse, HttpResponse
from ninja import Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from proofsheet.api.studio import photographer
from proofsheet.core.http import attachment_header, zip_response
from proofsheet.core.money import quantize
from proofsheet.fulfillment import services as fulfillment
from proofsheet.fulfillment.services import GrantGone, GrantNotFound
from proofsheet.imaging.errors import RejectedImage
from proofsheet.orders import selectors, services
from proofsheet.orders.models import Order
from proofsheet.orders.services import TransitionNotAllowed
from proofsheet.payments import services as payments
from proofsheet.payments.selectors import payment_next_step

router = Router(tags=["orders"])


class Error(Schema):
    detail: str


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


class OrderDetailOut(OrderOut):
    prices_include_tax: bool
    discount_code: str
    shipping_method: str
    shipping_address: dict
    payment_instructions: str
    lines: list[LineOut]
    shipments: list[ShipmentOut]
    downloads: list[GrantOut]
    events: list[EventOut]


class PaidIn(Schema):
    reference: str = Field("", max_length=200)


class ShipIn(Schema):
    carrier: str = Field(max_length=60)
    tracking_number: str = Field(max_length=100)
    tracking_url: str = Field("", max_length=200)


class ReasonIn(Schema):
    reason: str = Field("", max_length=500)


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
                state=fulfillment.grant_status(g),
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


def _sold(request, order_id: UUID) -> Order:
    order = selectors.order_get_for_seller(photographer(request), order_id)
    if order is None:
        raise HttpError(404, "Not found")
    return order


def _bought(request, order_id: UUID) -> Order:
    user = request.auth if hasattr(request.auth, "role") else request.user
    order = selectors.order_get_for_customer(user, order_id)
    if order is None:
        raise HttpError(404, "Not found")
    return order


def _act(order: Order, action) -> OrderDetailOut:
    try:
        action()
    except TransitionNotAllowed as exc:
        raise HttpError(409, str(exc)) from None
    except ValidationError as exc:
        raise HttpError(400, "; ".join(exc.messages)) from None
    order.refresh_from_db()
    return order_detail_out(order, with_events=True)


def _quiet(response: HttpResponse) -> HttpResponse:
    """Private, unlogged (the path may hold a token), no referrer (R08)."""
    response._has_been_logged = True
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _error(status: int, detail: str) -> HttpResponse:
    response = HttpResponse(f'{{"detail": "{detail}"}}', status=status)
    response["Content-Type"] = "application/json"
    return _quiet(response)


def _file(grant) -> HttpResponse:
    try:
        key, filename, content_type = fulfillment.grant_file(grant)
    except RejectedImage:
        return _error(404, "Not found")
    response = FileResponse(storages["private"].open(key, "rb"), content_type=content_type)
    response["Content-Disposition"] = attachment_header(filename)
    return _quiet(response)


# --- the seller -----------------------------------------------------------------------------


@router.get("/orders", response=list[OrderOut], summary="Your sales (filter by status, search)")
def list_orders(request, status: str = "", q: str = ""):
    found = selectors.orders_for_seller(photographer(request), status=status, q=q[:100])
    return [order_out(order) for order in found[:500]]


@router.get("/orders/export.csv", summary="Your sales as CSV", response={200: None})
def export_orders(request, status: str = "", q: str = ""):
    found = selectors.orders_for_seller(photographer(request), status=status, q=q[:100])
    response = HttpResponse(
        services.orders_csv(found.prefetch_related("lines")), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = attachment_header("orders.csv")
    response["Cache-Control"] = "private, no-store"
    return response


@router.get("/orders/{uuid:order_id}", response={200: OrderDetailOut, 404: Error})
def get_order(request, order_id: UUID):
    return order_detail_out(_sold(request, order_id), with_events=True)


@router.post(
    "/orders/{uuid:order_id}/mark-paid",
    response={200: OrderDetailOut, 404: Error, 409: Error},
    summary="Record an offline payment: the order becomes paid and its downloads are issued",
)
def mark_paid(request, order_id: UUID, payload: PaidIn):
    order = _sold(request, order_id)
    user = photographer(request)
    return _act(
        order,
        lambda: payments.payment_mark_received(
            order=order, actor=user, reference=payload.reference
        ),
    )


@router.post(
    "/orders/{uuid:order_id}/ship",
    response={200: OrderDetailOut, 400: Error, 404: Error, 409: Error},
    summary="Mark shipped with carrier and tracking (the client is emailed)",
)
def ship(request, order_id: UUID, payload: ShipIn):
    order = _sold(request, order_id)
    user = photographer(request)
    return _act(
        order,
        lambda: services.order_mark_shipped(
            order=order,
            carrier=payload.carrier,
            tracking_number=payload.tracking_number,
            tracking_url=payload.tracking_url,
            actor=user,
        ),
    )


@router.post(
    "/orders/{uuid:order_id}/complete", response={200: OrderDetailOut, 404: Error, 409: Error}
)
def complete(request, order_id: UUID):
    order = _sold(request, order_id)
    user = photographer(request)
    return _act(order, lambda: services.order_complete(order=order, actor=user))


@router.post(
    "/orders/{uuid:order_id}/cancel", response={200: OrderDetailOut, 404: Error, 409: Error}
)
def cancel(request, order_id: UUID, payload: ReasonIn):
    order = _sold(request, order_id)
    user = photographer(request)
    return _act(
        order, lambda: services.order_cancel(order=order, actor=user, reason=payload.reason)
    )


@router.post(
    "/orders/{uuid:order_id}/refund",
    response={200: OrderDetailOut, 404: Error, 409: Error},
    summary="Record a refund of the whole order (its downloads are revoked)",
)
def refund(request, order_id: UUID, payload: ReasonIn):
    order = _sold(request, order_id)
    user = photographer(request)
    return _act(
        order, lambda: payments.payment_refund(order=order, actor=user, reason=payload.reason)
    )


@router.post(
    "/orders/{uuid:order_id}/downloads/{uuid:grant_id}/reissue",
    response={200: OrderDetailOut, 400: Error, 404: Error},
    summary="Give a download a new link and a full count (the client is emailed)",
)
def reissue(request, order_id: UUID, grant_id: UUID):
    order = _sold(request, order_id)
    user = photographer(request)
    try:
        issued = services.order_grant_reissue(order=order, grant_public_id=grant_id, actor=user)
    except ValidationError as exc:
        raise HttpError(400, "; ".join(exc.messages)) from None
    if issued is None:
        raise HttpError(404, "Not found")
    order.refresh_from_db()
    return order_detail_out(order, with_events=True)


# --- the buyer ------------------------------------------------------------------------------


@router.get("/client/orders", response=list[OrderOut], summary="Your orders as a buyer")
def my_orders(request):
    user = request.auth if hasattr(request.auth, "role") else request.user
    return [order_out(order) for order in selectors.orders_for_customer(user)[:500]]


@router.get("/client/orders/{uuid:order_id}", response={200: OrderDetailOut, 404: Error})
def my_order(request, order_id: UUID):
    return order_detail_out(_bought(request, order_id), with_events=False)


@router.get(
    "/client/orders/{uuid:order_id}/downloads/{uuid:grant_id}",
    response={200: None, 404: Error, 410: Error},
    summary="Download one purchased file (uses one of its downloads)",
)
def my_download(request, order_id: UUID, grant_id: UUID):
    order = _bought(request, order_id)
    try:
        grant = fulfillment.grant_claim_in_order(order, grant_id)
    except GrantNotFound:
        return _error(404, "Not found")
    except GrantGone:
        return _error(410, "This download is used up, expired or withdrawn.")
    return _file(grant)


@router.get(
    "/client/orders/{uuid:order_id}/downloads.zip",
    response={200: None, 404: Error, 410: Error},
    summary="Every usable purchased file as one streamed ZIP (uses one download of each)",
)
def my_downloads_zip(request, order_id: UUID):
    order = _bought(request, order_id)
    try:
        stream = fulfillment.order_zip(order)
    except GrantGone:
        return _error(410, "No download of this order can be used any more.")
    return _quiet(zip_response(stream, fulfillment.order_zip_name(order)))


@router.get(
    "/downloads/{token}",
    auth=None,
    response={200: None, 404: Error, 410: Error},
    summary="Download a purchased file by its link's token (no account needed)",
)
def download_by_token(request, token: str):
    try:
        grant = fulfillment.grant_claim(token)
    except GrantNotFound:
        return _error(404, "Not found")
    except GrantGone:
        return _error(410, "This download is used up, expired or withdrawn.")
    return _file(grant)
