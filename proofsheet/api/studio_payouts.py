"""/api/v1 endpoints for marketplace mode (Stripe Connect): a photographer's connected account
(where it stands, an onboarding link) and, for admins, a photographer's own commission.

In studio mode (MARKETPLACE off) they answer 409 `payment_unsupported`.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from django.urls import reverse
from ninja import Router, Schema
from pydantic import Field

from proofsheet.api.common import Input, acting_user, errors, plain_number, seller
from proofsheet.payments import connect
from proofsheet.payments import selectors as payment_selectors

router = Router(tags=["payouts (marketplace)"])


class PayoutAccountOut(Schema):
    marketplace: bool
    connected: bool
    status: str = Field(description="none, pending, restricted or enabled")
    cards: bool = Field(description="whether the photographer's clients can pay by card now")
    reason: str = Field(description="why card payments are off (empty when they are on)")
    requirements: list[str] = Field(description="what Stripe still needs (its field names)")
    requirements_text: list[str]
    payouts_enabled: bool
    commission_percent: str | None
    account: str | None = Field(description="the Stripe account id (acct_…)")


class LinkOut(Schema):
    url: str
    expires_in_seconds: int = 300


class CommissionIn(Input):
    commission_percent: Decimal | None = Field(
        description="the photographer's commission in percent; null for the platform default"
    )


class CommissionOut(Schema):
    seller: UUID
    account: str
    commission_percent: str | None


def _account_out(user) -> PayoutAccountOut:
    found = payment_selectors.payout_status(user)
    return PayoutAccountOut(
        marketplace=found.marketplace,
        connected=found.connected,
        status=found.status,
        cards=found.cards,
        reason=found.reason,
        requirements=found.requirements,
        requirements_text=found.requirements_text,
        payouts_enabled=found.payouts_enabled,
        commission_percent=plain_number(found.commission_percent),
        account=found.account.reference if found.account is not None else None,
    )


@router.get(
    "/payouts/account",
    response={200: PayoutAccountOut} | errors(403),
    summary="Your connected Stripe account: status (pending, restricted, enabled), what Stripe "
    "still needs, and whether your clients can pay by card",
)
def payout_account(request):
    return _account_out(seller(request))


@router.post(
    "/payouts/account/link",
    response={200: LinkOut} | errors(403, 409, 503),
    summary="Connect with Stripe: creates your Express account (once) and returns a fresh "
    "onboarding link; send the photographer's browser there",
)
def payout_account_link(request):
    user = seller(request)
    page = request.build_absolute_uri(reverse("studio:payouts"))
    url = connect.account_connect(
        user,
        refresh_url=request.build_absolute_uri(reverse("studio:payouts_refresh")),
        return_url=page + "?return=1",
    )
    return LinkOut(url=url)


@router.patch(
    "/payouts/accounts/{uuid:seller_id}",
    response={200: CommissionOut} | errors(403, 404, 422),
    summary="Admins: set a photographer's own commission (null: the platform default)",
)
def payout_commission(request, seller_id: UUID, payload: CommissionIn):
    account = connect.commission_set(
        actor=acting_user(request), seller_public_id=seller_id, percent=payload.commission_percent
    )
    return CommissionOut(
        seller=seller_id,
        account=account.reference,
        commission_percent=plain_number(account.commission_percent),
    )
