"""The client's side of an order: its page (signed link or account), downloads, "download all".

Signed order links and grant tokens are secrets in the URL: error responses here are marked as
logged so Django's request logger never writes their path (R08), and every download goes out as
a private, non-cacheable attachment without a referrer.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.files.storage import storages
from django.http import FileResponse, HttpResponse
from django.shortcuts import render

from proofsheet.core.http import attachment_header, zip_response
from proofsheet.fulfillment import services as fulfillment
from proofsheet.fulfillment.services import GrantGone, GrantNotFound
from proofsheet.imaging.errors import RejectedImage
from proofsheet.orders import selectors
from proofsheet.orders.models import Order
from proofsheet.orders.services import order_from_access_token
from proofsheet.payments.selectors import payment_next_step


def quiet(response: HttpResponse) -> HttpResponse:
    """Keep a response out of Django's request log (its path holds a secret token)."""
    response._has_been_logged = True  # read by django.utils.log.log_response
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response


def _not_found() -> HttpResponse:
    return quiet(HttpResponse("Not found.", status=404, content_type="text/plain"))


def _gone() -> HttpResponse:
    return quiet(
        HttpResponse(
            "This download link has expired, been used up or was withdrawn. Ask your "
            "photographer for a new one.",
            status=410,
            content_type="text/plain",
        )
    )


def _order(request, ref: str) -> Order | None:
    """The order `ref` opens: a signed link for anyone, or a public id for its signed-in buyer."""
    try:
        public_id = UUID(ref)
    except ValueError:
        return order_from_access_token(ref)
    return selectors.order_get_for_customer(request.user, public_id)


def download_response(grant) -> HttpResponse:
    """The grant's file as a private attachment (R08)."""
    try:
        key, filename, content_type = fulfillment.grant_file(grant)
    except RejectedImage:
        return _not_found()
    response = FileResponse(storages["private"].open(key, "rb"), content_type=content_type)
    response["Content-Disposition"] = attachment_header(filename)
    return quiet(response)


def _order_zip_response(order: Order) -> HttpResponse:
    try:
        stream = fulfillment.order_zip(order)
    except GrantGone:
        return _gone()
    return quiet(zip_response(stream, fulfillment.order_zip_name(order)))


def order(request, ref):
    """The order page: lines, totals, status, shipments, downloads, what to do to pay."""
    found = _order(request, ref)
    if found is None:
        return _not_found()
    grants = fulfillment.grants_for_order(found)
    for grant in grants:
        grant.state = fulfillment.grant_status(grant)
    step = payment_next_step(found)
    response = render(
        request,
        "storefront/order.html",
        {
            "order": found,
            "ref": ref,
            "lines": found.lines.all(),
            "shipments": found.shipments.all(),
            "grants": grants,
            "usable": any(g.state == "ready" for g in grants),
            "step": step,
        },
    )
    return quiet(response)


def order_download(request, ref, grant_id):
    """One purchased file from the order page (a use of its grant)."""
    found = _order(request, ref)
    if found is None:
        return _not_found()
    try:
        grant = fulfillment.grant_claim_in_order(found, grant_id)
    except GrantNotFound:
        return _not_found()
    except GrantGone:
        return _gone()
    return download_response(grant)


def order_download_all(request, ref):
    """Every usable purchased file of the order in one streamed ZIP."""
    found = _order(request, ref)
    if found is None:
        return _not_found()
    return _order_zip_response(found)


def grant_download(request, token):
    """A download link from the email: the token is the authorisation."""
    try:
        grant = fulfillment.grant_claim(token)
    except GrantNotFound:
        return _not_found()
    except GrantGone:
        return _gone()
    return download_response(grant)


@login_required
def my_orders(request):
    """The signed-in buyer's order history."""
    orders = selectors.orders_for_customer(request.user)
    return render(request, "storefront/orders.html", {"orders": orders})
