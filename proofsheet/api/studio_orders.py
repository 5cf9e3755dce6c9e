"""/api/v1 endpoints for the seller's orders: list, CSV export, detail and actions."""

from __future__ import annotations

from uuid import UUID

from ninja import Router
from pydantic import Field

from proofsheet.api.common import ErrorOut, Input, errors, seller
from proofsheet.api.order_schemas import (
    OrderOut,
    SellerOrderDetailOut,
    order_out,
    seller_order_detail_out,
)
from proofsheet.core.http import csv_response
from proofsheet.flows import orders as flows
from proofsheet.orders import selectors, services

router = Router(tags=["orders"])


class PaidIn(Input):
    reference: str = Field("", max_length=200)


class ShipIn(Input):
    carrier: str = Field(max_length=60)
    tracking_number: str = Field(max_length=100)
    tracking_url: str = Field("", max_length=200)


class ReasonIn(Input):
    reason: str = Field("", max_length=500)


def _act(request, flow, order_id: UUID, **values) -> SellerOrderDetailOut:
    """One of the seller's sales as `flow` (finding it, or an action on it) leaves it."""
    order = flow(seller=seller(request), order_id=order_id, **values)
    return seller_order_detail_out(order)


# --- the seller -----------------------------------------------------------------------------


@router.get("/orders", response=list[OrderOut], summary="Your sales (filter by status, search)")
def list_orders(request, status: str = "", q: str = ""):
    orders = selectors.orders_for_seller(seller(request), status=status, q=q[:100])
    return [order_out(order) for order in orders[:500]]


@router.get("/orders/export.csv", summary="Your sales as CSV", response={200: None})
def export_orders(request, status: str = "", q: str = ""):
    orders = selectors.orders_for_seller(seller(request), status=status, q=q[:100])
    return csv_response(services.orders_csv(orders.prefetch_related("lines")), "orders.csv")


@router.get("/orders/{uuid:order_id}", response={200: SellerOrderDetailOut, 404: ErrorOut})
def get_order(request, order_id: UUID):
    return _act(request, flows.order_of_seller, order_id)


@router.post(
    "/orders/{uuid:order_id}/mark-paid",
    response={200: SellerOrderDetailOut} | errors(403, 404, 409),
    summary="Record an offline payment: the order becomes paid and its downloads are issued",
)
def mark_paid(request, order_id: UUID, payload: PaidIn):
    return _act(request, flows.order_mark_paid, order_id, **payload.dict())


@router.post(
    "/orders/{uuid:order_id}/ship",
    response={200: SellerOrderDetailOut} | errors(403, 404, 409, 422),
    summary="Mark shipped with carrier and tracking (the client is emailed)",
)
def ship(request, order_id: UUID, payload: ShipIn):
    return _act(request, flows.order_ship, order_id, **payload.dict())


@router.post(
    "/orders/{uuid:order_id}/complete", response={200: SellerOrderDetailOut} | errors(403, 404, 409)
)
def complete(request, order_id: UUID):
    return _act(request, flows.order_complete, order_id)


@router.post(
    "/orders/{uuid:order_id}/cancel", response={200: SellerOrderDetailOut} | errors(403, 404, 409)
)
def cancel(request, order_id: UUID, payload: ReasonIn):
    return _act(request, flows.order_cancel, order_id, **payload.dict())


class RefundIn(Input):
    reason: str = Field("", max_length=500)
    amount: str | None = Field(
        None, max_length=20, description='An amount to give back ("5.00"); not with `lines`'
    )
    lines: list[UUID] | None = Field(
        None, max_length=200, description="Ids of order lines to refund (their totals)"
    )


@router.post(
    "/orders/{uuid:order_id}/refund",
    response={200: SellerOrderDetailOut} | errors(403, 404, 409, 422, 503),
    summary="Refund a card order's rest, chosen lines or an amount through its provider "
    "(refunded lines lose their downloads; the whole → refunded), or record an offline order's "
    "whole refund (a part: 409 `payment_unsupported`); 422 `refund_too_large` beyond what is left",
)
def refund(request, order_id: UUID, payload: RefundIn):
    return _act(request, flows.order_refund, order_id, **payload.dict())


@router.post(
    "/orders/{uuid:order_id}/downloads/{uuid:grant_id}/reissue",
    response={200: SellerOrderDetailOut} | errors(403, 404, 422),
    summary="Give a download a new link and a full count (the client is emailed)",
)
def reissue(request, order_id: UUID, grant_id: UUID):
    return _act(request, flows.order_download_reissue, order_id, grant_id=grant_id)
