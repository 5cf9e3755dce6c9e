"""The photographer's orders in the studio: list with filters, order page, actions, CSV export."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from proofsheet.core.errors import DomainError
from proofsheet.core.http import attachment_header
from proofsheet.fulfillment import services as fulfillment
from proofsheet.orders import selectors, services
from proofsheet.orders.models import Order, OrderStatus
from proofsheet.payments import services as payments
from proofsheet.studio.common import photographer_required


def _order(request, order_id) -> Order:
    order = selectors.order_get_for_seller(request.user, order_id)
    if order is None:
        raise Http404("No such order")
    return order


@photographer_required
def orders(request):
    """The seller's orders, filtered by status and a search."""
    status = request.GET.get("status", "")
    q = request.GET.get("q", "")[:100]
    found = selectors.orders_for_seller(request.user, status=status, q=q)[:200]
    return render(
        request,
        "studio/orders/list.html",
        {"orders": found, "status": status, "q": q, "statuses": OrderStatus.choices},
    )


@photographer_required
def orders_export(request):
    """The filtered orders as a CSV file."""
    found = selectors.orders_for_seller(
        request.user, status=request.GET.get("status", ""), q=request.GET.get("q", "")[:100]
    ).prefetch_related("lines")
    response = HttpResponse(services.orders_csv(found), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = attachment_header("orders.csv")
    response["Cache-Control"] = "private, no-store"
    return response


@photographer_required
def order_detail(request, order_id):
    """One order: lines, totals, payments, shipments, downloads, the event log and actions."""
    order = _order(request, order_id)
    grants = fulfillment.grants_for_order(order)
    for grant in grants:
        grant.state = fulfillment.grant_status(grant)
    allowed = services.TRANSITIONS.get(order.status, set())
    has_physical = order.lines.exclude(kind="digital").exists()
    return render(
        request,
        "studio/orders/detail.html",
        {
            "order": order,
            "lines": order.lines.all(),
            "events": selectors.order_events(order),
            "payments": payments.payments_for_order(order),
            "shipments": order.shipments.all(),
            "grants": grants,
            "can_pay": OrderStatus.PAID in allowed,
            "can_ship": OrderStatus.SHIPPED in allowed and has_physical,
            "can_complete": OrderStatus.COMPLETED in allowed,
            "can_cancel": OrderStatus.CANCELLED in allowed,
            "can_refund": OrderStatus.REFUNDED in allowed,
        },
    )


def _act(request, order: Order, action, done: str):
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("studio:order", order_id=order.public_id)


@require_POST
@photographer_required
def order_mark_paid(request, order_id):
    order = _order(request, order_id)
    reference = request.POST.get("reference", "")[:200]
    return _act(
        request,
        order,
        lambda: payments.payment_mark_received(
            order=order, actor=request.user, reference=reference
        ),
        f"{order.number} is paid; the client was emailed.",
    )


@require_POST
@photographer_required
def order_ship(request, order_id):
    order = _order(request, order_id)
    return _act(
        request,
        order,
        lambda: services.order_mark_shipped(
            order=order,
            carrier=request.POST.get("carrier", "")[:60],
            tracking_number=request.POST.get("tracking_number", "")[:100],
            tracking_url=request.POST.get("tracking_url", "")[:200],
            actor=request.user,
        ),
        f"{order.number} is shipped; the client was emailed the tracking.",
    )


@require_POST
@photographer_required
def order_complete(request, order_id):
    order = _order(request, order_id)
    return _act(
        request,
        order,
        lambda: services.order_complete(order=order, actor=request.user),
        f"{order.number} is complete.",
    )


@require_POST
@photographer_required
def order_cancel(request, order_id):
    order = _order(request, order_id)
    reason = request.POST.get("reason", "")[:500]
    return _act(
        request,
        order,
        lambda: services.order_cancel(order=order, actor=request.user, reason=reason),
        f"{order.number} is cancelled.",
    )


@require_POST
@photographer_required
def order_refund(request, order_id):
    order = _order(request, order_id)
    reason = request.POST.get("reason", "")[:500]
    return _act(
        request,
        order,
        lambda: payments.payment_refund(order=order, actor=request.user, reason=reason),
        f"{order.number} is refunded; its downloads no longer work.",
    )


@require_POST
@photographer_required
def grant_reissue(request, order_id, grant_id):
    order = _order(request, order_id)
    if not any(g.public_id == grant_id for g in fulfillment.grants_for_order(order)):
        raise Http404("No such download")
    return _act(
        request,
        order,
        lambda: services.order_grant_reissue(
            order=order, grant_public_id=grant_id, actor=request.user
        ),
        "A new download link was emailed to the client.",
    )
