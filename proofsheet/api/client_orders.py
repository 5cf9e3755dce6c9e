"""/api/v1 endpoints for buyers: their orders and purchased downloads (by account, or by a
download link's token, which needs no account)."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpResponse
from ninja import Router, Schema, Status

from proofsheet.api.common import ErrorOut, acting_user, found, token_in_path
from proofsheet.api.order_schemas import OrderDetailOut, OrderOut, order_detail_out, order_out
from proofsheet.core.errors import NotFound
from proofsheet.core.http import file_response, zip_response
from proofsheet.fulfillment import services as fulfillment
from proofsheet.orders import selectors
from proofsheet.orders.models import Order
from proofsheet.payments import saved_cards
from proofsheet.payments.selectors import card_provider_name

router = Router(tags=["orders"])


def _bought(request, order_id: UUID) -> Order:
    return found(selectors.order_get_for_customer(acting_user(request), order_id))


def _file(grant) -> HttpResponse:
    return file_response(*fulfillment.grant_open(grant))


@router.get("/client/orders", response=list[OrderOut], summary="Your orders as a buyer")
def my_orders(request):
    return [order_out(order) for order in selectors.orders_for_customer(acting_user(request))[:500]]


@router.get("/client/orders/{uuid:order_id}", response={200: OrderDetailOut, 404: ErrorOut})
def my_order(request, order_id: UUID):
    return order_detail_out(_bought(request, order_id), with_events=False)


@router.get(
    "/client/orders/{uuid:order_id}/downloads/{uuid:grant_id}",
    response={200: None, 404: ErrorOut, 410: ErrorOut},
    summary="Download one purchased file (uses one of its downloads)",
)
@token_in_path
def my_download(request, order_id: UUID, grant_id: UUID):
    order = _bought(request, order_id)
    return _file(fulfillment.grant_claim_in_order(order, grant_id))


@router.get(
    "/client/orders/{uuid:order_id}/downloads.zip",
    response={200: None, 404: ErrorOut, 410: ErrorOut},
    summary="Every usable purchased file as one streamed ZIP (uses one download of each)",
)
@token_in_path
def my_downloads_zip(request, order_id: UUID):
    order = _bought(request, order_id)
    stream = fulfillment.order_zip(order)
    return zip_response(stream, fulfillment.order_zip_name(order))


@router.get(
    "/downloads/{token}",
    auth=None,
    response={200: None, 404: ErrorOut, 410: ErrorOut},
    summary="Download a purchased file by its link's token (no account needed)",
)
@token_in_path
def download_by_token(request, token: str):
    return _file(fulfillment.grant_claim(token))


# --- saved cards ---------------------------------------------------------------------------


class SavedCardOut(Schema):
    id: str
    label: str
    brand: str
    last4: str
    exp: str


def _card_provider() -> str:
    provider = card_provider_name()
    if not provider:
        raise NotFound("Card payments are not set up on this site.")
    return provider


@router.get(
    "/client/cards",
    response={200: list[SavedCardOut], 404: ErrorOut, 503: ErrorOut},
    summary="Your saved cards (for paying on an order's payment page)",
)
def my_cards(request):
    cards = saved_cards.saved_cards(acting_user(request), _card_provider())
    return [
        SavedCardOut(id=c.id, label=c.label, brand=c.brand, last4=c.last4, exp=c.exp) for c in cards
    ]


@router.delete(
    "/client/cards/{card_id}",
    response={204: None, 404: ErrorOut, 503: ErrorOut},
    summary="Remove one of your saved cards",
)
def my_card_remove(request, card_id: str):
    saved_cards.saved_card_remove(acting_user(request), _card_provider(), card_id)
    return Status(204, None)
