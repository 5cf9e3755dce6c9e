"""The client's side of an order: its page (signed link or account), downloads, "download all".

Signed order links and grant tokens are secrets in the URL: every response here, refusals
included, is marked as logged so Django's request logger never writes its path (R08), and
every download goes out as a private, non-cacheable attachment without a referrer.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from proofsheet.core.errors import DomainError, NotFound
from proofsheet.core.http import file_response, quiet, zip_response
from proofsheet.core.models import as_public_id
from proofsheet.core.web import refused_page
from proofsheet.fulfillment import services as fulfillment
from proofsheet.orders import selectors
from proofsheet.orders.models import Order
from proofsheet.orders.services import order_from_access_token
from proofsheet.payments.selectors import payment_next_step, payment_summary


def secret_url(view):
    """For a page whose URL holds a secret: its answer, or the page saying why it was refused
    (an unknown link 404, a used-up download 410), kept out of the request log."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except DomainError as refused:  # shown here, not by the middleware: it must be quiet
            response = refused_page(request, refused)
        return quiet(response)

    return wrapper


def order_for_ref(request, ref: str) -> Order:
    """The order `ref` opens: a signed link for anyone, or a public id for its signed-in buyer."""
    public_id = as_public_id(ref)
    if public_id is None:
        found = order_from_access_token(ref)
    else:
        found = selectors.order_get_for_customer(request.user, public_id)
    if found is None:
        raise NotFound("This link does not open an order.")
    return found


def download_response(grant) -> HttpResponse:
    """The grant's file as a private attachment (R08)."""
    return file_response(*fulfillment.grant_open(grant))


@secret_url
def order(request, ref):
    """The order page: lines, totals, status, shipments, downloads, what to do to pay."""
    found = order_for_ref(request, ref)
    grants = fulfillment.grants_for_order(found)
    return render(
        request,
        "storefront/order.html",
        {
            "order": found,
            "ref": ref,
            "lines": found.lines.all(),
            "shipments": found.shipments.all(),
            "grants": grants,
            "usable": any(g.state == "ready" for g in grants),
            "step": payment_next_step(found),
            "payment": payment_summary(found),
        },
    )


@secret_url
def order_download(request, ref, grant_id):
    """One purchased file from the order page (a use of its grant)."""
    found = order_for_ref(request, ref)
    return download_response(fulfillment.grant_claim_in_order(found, grant_id))


@secret_url
def order_download_all(request, ref):
    """Every usable purchased file of the order in one streamed ZIP."""
    found = order_for_ref(request, ref)
    stream = fulfillment.order_zip(found)
    return zip_response(stream, fulfillment.order_zip_name(found))


@secret_url
def grant_download(request, token):
    """A download link from the email: the token is the authorisation."""
    return download_response(fulfillment.grant_claim(token))


@login_required
def my_orders(request):
    """The signed-in buyer's order history."""
    orders = selectors.orders_for_customer(request.user)
    return render(request, "storefront/orders.html", {"orders": orders})
