"""The photographer's orders in the studio: list with filters, order page, actions, CSV export."""

from __future__ import annotations

from dataclasses import asdict

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from proofsheet.core.errors import Invalid
from proofsheet.core.http import csv_response
from proofsheet.flows import orders as flows
from proofsheet.fulfillment import services as fulfillment
from proofsheet.orders import selectors, services
from proofsheet.orders.models import OrderStatus
from proofsheet.payments.selectors import order_money
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
            "money": order_money(order),
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


@require_POST
@photographer_required
def order_refund(request, order_id):
    """Refund the rest, chosen lines or an amount (a card payment), or record the whole refund
    (offline). Not in one transaction: a card refund reserves its amount, asks the provider
    and records the answer in transactions of its own."""
    what = request.POST.get("what", "rest")
    form = {"reason": request.POST.get("reason", "")[:500]}
    if what == "lines":
        form["lines"] = [value[:40] for value in request.POST.getlist("lines")[:200]]
    elif what == "amount":
        form["amount"] = request.POST.get("amount", "")[:20] or "0"

    def act() -> str:
        if what == "rest" and (request.POST.getlist("lines") or request.POST.get("amount")):
            raise Invalid(
                "You ticked items or typed an amount but chose to refund the rest: "
                "choose “Chosen items” or “An amount”, or clear them."
            )
        order = flows.order_refund(seller=request.user, order_id=order_id, **form)
        if order.status == OrderStatus.REFUNDED:
            return f"{order.number} is refunded; its downloads no longer work."
        return f"A refund of {order.number} was made; refunded items' downloads no longer work."

    return run_action(request, act, back_to=reverse("studio:order", args=[order_id]), atomic=False)


grant_reissue = _order_action(
    flows.order_download_reissue, "A new download link was emailed to the client."
)
