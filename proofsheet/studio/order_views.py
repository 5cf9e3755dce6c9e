"""The photographer's orders in the studio: list with filters, order page, actions, CSV export."""

from __future__ import annotations

from dataclasses import asdict

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from proofsheet.core.errors import Conflict, Invalid
from proofsheet.core.http import attachment_header
from proofsheet.core.web import refuse
from proofsheet.flows import orders as flows
from proofsheet.fulfillment import services as fulfillment
from proofsheet.orders import selectors, services
from proofsheet.orders.models import OrderStatus
from proofsheet.payments import services as payments
from proofsheet.studio.common import photographer_required


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
    order = flows.order_of_seller(seller=request.user, order_id=order_id)
    grants = fulfillment.grants_for_order(order)
    for grant in grants:
        grant.state = fulfillment.grant_status(grant)
    actions = flows.order_actions(order)
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
            **asdict(actions),
        },
    )


def _act(request, order_id, act, done):
    """Run a seller action; say how it went on the order's page (a refusal too: a 404 is the
    error page)."""
    back = reverse("studio:order", args=[order_id])
    try:
        order = act()
    except (Invalid, Conflict) as refused:
        return refuse(request, refused, back)
    messages.success(request, done(order))
    return redirect(back)


@require_POST
@photographer_required
def order_mark_paid(request, order_id):
    return _act(
        request,
        order_id,
        lambda: flows.order_mark_paid(
            seller=request.user,
            order_id=order_id,
            reference=request.POST.get("reference", "")[:200],
        ),
        lambda order: f"{order.number} is paid; the client was emailed.",
    )


@require_POST
@photographer_required
def order_ship(request, order_id):
    return _act(
        request,
        order_id,
        lambda: flows.order_ship(
            seller=request.user,
            order_id=order_id,
            carrier=request.POST.get("carrier", "")[:60],
            tracking_number=request.POST.get("tracking_number", "")[:100],
            tracking_url=request.POST.get("tracking_url", "")[:200],
        ),
        lambda order: f"{order.number} is shipped; the client was emailed the tracking.",
    )


@require_POST
@photographer_required
def order_complete(request, order_id):
    return _act(
        request,
        order_id,
        lambda: flows.order_complete(seller=request.user, order_id=order_id),
        lambda order: f"{order.number} is complete.",
    )


@require_POST
@photographer_required
def order_cancel(request, order_id):
    return _act(
        request,
        order_id,
        lambda: flows.order_cancel(
            seller=request.user, order_id=order_id, reason=request.POST.get("reason", "")[:500]
        ),
        lambda order: f"{order.number} is cancelled.",
    )


@require_POST
@photographer_required
def order_refund(request, order_id):
    return _act(
        request,
        order_id,
        lambda: flows.order_refund(
            seller=request.user, order_id=order_id, reason=request.POST.get("reason", "")[:500]
        ),
        lambda order: f"{order.number} is refunded; its downloads no longer work.",
    )


@require_POST
@photographer_required
def grant_reissue(request, order_id, grant_id):
    return _act(
        request,
        order_id,
        lambda: flows.order_download_reissue(
            seller=request.user, order_id=order_id, grant_id=grant_id
        ),
        lambda order: "A new download link was emailed to the client.",
    )
