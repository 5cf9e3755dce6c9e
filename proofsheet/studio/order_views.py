"""The photographer's orders in the studio: list with filters, order page, actions, CSV export."""

from __future__ import annotations

from dataclasses import asdict

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from proofsheet.core.http import csv_response
from proofsheet.flows import orders as flows
from proofsheet.fulfillment import services as fulfillment
from proofsheet.orders import selectors, services
from proofsheet.orders.models import OrderStatus
from proofsheet.payments import services as payments
from proofsheet.studio.common import photographer_required, run_action


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
    return csv_response(services.orders_csv(found), "orders.csv")


@photographer_required
def order_detail(request, order_id):
    """One order: lines, totals, payments, shipments, downloads, the event log and actions."""
    order = flows.order_of_seller(seller=request.user, order_id=order_id)
    grants = fulfillment.grants_for_order(order)
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


def _order_action(flow, done: str, **fields: int):
    """The view of a seller's button on the order page: `flow` gets the form's `fields` (each
    cut to its longest) and the page says `done` ("{number}": the order's); a rule's refusal is
    said there too (a 404 is the error page)."""

    @require_POST
    @photographer_required
    def view(request, order_id, **ids):
        form = {name: request.POST.get(name, "")[:longest] for name, longest in fields.items()}

        def act() -> str:
            order = flow(seller=request.user, order_id=order_id, **ids, **form)
            return done.format(number=order.number)

        return run_action(request, act, back_to=reverse("studio:order", args=[order_id]))

    return view


order_mark_paid = _order_action(
    flows.order_mark_paid, "{number} is paid; the client was emailed.", reference=200
)
order_ship = _order_action(
    flows.order_ship,
    "{number} is shipped; the client was emailed the tracking.",
    carrier=60,
    tracking_number=100,
    tracking_url=200,
)
order_complete = _order_action(flows.order_complete, "{number} is complete.")
order_cancel = _order_action(flows.order_cancel, "{number} is cancelled.", reason=500)
order_refund = _order_action(
    flows.order_refund, "{number} is refunded; its downloads no longer work.", reason=500
)
grant_reissue = _order_action(
    flows.order_download_reissue, "A new download link was emailed to the client."
)
