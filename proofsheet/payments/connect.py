"""Marketplace mode (Stripe Connect): photographers' own accounts, the platform's commission.

With `MARKETPLACE` on, each photographer connects an Express account from the studio's "Get
paid" page: `account_connect` creates it once (the provider's idempotency key is the
photographer's, and the row is unique per seller) and returns a fresh onboarding link. Its
status (pending → restricted / enabled) comes from `account.updated` events and from a
server-side retrieve when the photographer comes back from onboarding; both go through
`account_apply`. A card charge then goes to the photographer's account less the platform's
commission (`application_fee`); `payments.selectors.card_sales_allowed` says whether they can
take cards at all.

Events may arrive twice or out of order (Stripe promises neither once nor in order). An event
names the account; its status is read back from the provider before it is applied, so the last
handled event always leaves the account as Stripe has it now, whatever order they came in.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction

from proofsheet.core.errors import Forbidden, NotFound
from proofsheet.core.money import percent_clean, quantize
from proofsheet.payments.models import AccountStatus, ConnectedAccount
from proofsheet.payments.providers import PaymentUnsupported, get_provider
from proofsheet.payments.providers.base import AccountState, PaymentUnavailable, ProviderEvent

logger = logging.getLogger(__name__)


def marketplace() -> bool:
    return bool(settings.MARKETPLACE)


def connect_provider():
    """The provider photographers connect to (the site's card provider, Stripe)."""
    if not marketplace():
        raise PaymentUnsupported(
            "This site is in studio mode: its own payment account takes every payment, so "
            "photographers do not connect one."
        )
    provider = get_provider(settings.PAYMENT_PROVIDER)
    if not hasattr(provider, "account_create"):
        raise PaymentUnsupported(
            "Marketplace mode needs Stripe as the payment provider (set STRIPE_SECRET_KEY)."
        )
    return provider


# --- onboarding -----------------------------------------------------------------------------


def account_connect(seller, *, refresh_url: str, return_url: str) -> str:
    """The URL of a fresh onboarding link for `seller`'s connected account, created on the
    first call. A provider outage raises PaymentUnavailable and creates nothing here; a retry
    finds the same account at the provider (same idempotency key), never a second one."""
    provider = connect_provider()
    account = ConnectedAccount.objects.filter(seller=seller).first()
    if account is None:
        try:
            state = provider.account_create(
                user_public_id=str(seller.public_id), email=getattr(seller, "email", "")
            )
        except PaymentUnavailable as exc:
            raise PaymentUnavailable(
                "Stripe cannot be reached just now, so your account was not connected and "
                "nothing was created. Try again in a minute."
            ) from exc
        try:
            with transaction.atomic():
                account = ConnectedAccount.objects.create(
                    seller=seller, provider=provider.name, reference=state.reference
                )
                _apply(account, state)
        except IntegrityError:  # a second request (double click) stored it first
            account = ConnectedAccount.objects.get(seller=seller)
    return _link(provider, account, refresh_url=refresh_url, return_url=return_url)


def _link(provider, account: ConnectedAccount, *, refresh_url: str, return_url: str) -> str:
    try:
        return provider.account_link(
            account.reference, refresh_url=refresh_url, return_url=return_url
        )
    except PaymentUnavailable as exc:
        raise PaymentUnavailable(
            "Stripe cannot be reached just now, so its onboarding cannot open. Your account "
            "is kept; try again in a minute."
        ) from exc


def onboarding_origins() -> list[str]:
    """The origins a photographer's browser is sent to for onboarding (for the page's CSP)."""
    return connect_provider().onboarding_origins()


def account_link_again(seller, *, refresh_url: str, return_url: str) -> str:
    """A new onboarding link for an account that exists (Stripe's refresh_url: the last link
    expired or was used). Raises NotFound when the photographer has not connected yet."""
    provider = connect_provider()
    account = ConnectedAccount.objects.filter(seller=seller).first()
    if account is None:
        raise NotFound("Connect with Stripe first.")
    return _link(provider, account, refresh_url=refresh_url, return_url=return_url)


def account_sync(seller) -> ConnectedAccount | None:
    """Read the seller's account back from the provider and apply it (the photographer came
    back from onboarding). None when they have no account."""
    account = ConnectedAccount.objects.filter(seller=seller).first()
    if account is None:
        return None
    state = connect_provider().account_get(account.reference)
    account_apply(state)
    account.refresh_from_db()
    return account


def status_of(state: AccountState) -> str:
    """enabled: it takes charges; restricted: the details were sent but the provider still wants
    something (or has disabled it); pending: onboarding not finished."""
    if state.charges_enabled:
        return AccountStatus.ENABLED
    if state.details_submitted or state.disabled_reason not in ("", "requirements.past_due"):
        return AccountStatus.RESTRICTED
    return AccountStatus.PENDING


def account_apply(state: AccountState) -> str:
    """Bring the stored account in line with the provider's; returns what changed (for logs)."""
    with transaction.atomic():
        account = (
            ConnectedAccount.objects.select_for_update().filter(reference=state.reference).first()
        )
        if account is None:
            return "unknown account"
        return _apply(account, state)


def _apply(account: ConnectedAccount, state: AccountState) -> str:
    before = account.status
    account.status = status_of(state)
    account.charges_enabled = state.charges_enabled
    account.payouts_enabled = state.payouts_enabled
    account.requirements = list(state.requirements)
    account.save()
    if before != account.status:
        logger.info("connected account %s: %s → %s", account.reference, before, account.status)
        return f"{before} → {account.status}"
    return "no change"


def account_updated(event: ProviderEvent) -> str:
    """`account.updated` (registered in cards.EVENT_HANDLERS): the account the event names is
    read back from the provider, so duplicates and out-of-order events end in today's state. A
    provider outage raises, and the task retries the event later."""
    reference = event.account or str(event.data.get("id") or "")
    if not ConnectedAccount.objects.filter(reference=reference).exists():
        return "unknown account"
    if not marketplace():
        return "ignored: studio mode"  # accounts kept from a marketplace time stay as they were
    provider = connect_provider()
    return account_apply(provider.account_get(reference))


# --- commission -----------------------------------------------------------------------------


def commission_percent(seller) -> Decimal:
    """The platform's commission on `seller`'s sales: their own rate, else the platform's."""
    account = ConnectedAccount.objects.filter(seller=seller).first()
    if account is not None and account.commission_percent is not None:
        return account.commission_percent
    return Decimal(settings.PLATFORM_COMMISSION_PERCENT)


def application_fee(total: Decimal, currency: str, percent: Decimal) -> Decimal:
    """The commission on `total`, rounded to the currency's minor unit by the house rule (half
    away from zero): 10 % of EUR 12.35 is 1.24, of JPY 1,255 is 126."""
    return quantize(Decimal(total) * Decimal(percent) / Decimal(100), currency)


def commission_set(*, actor, seller_public_id, percent) -> ConnectedAccount:
    """An admin sets a photographer's own commission (None or "": the platform default)."""
    if not getattr(actor, "is_staff", False):
        raise Forbidden("Only administrators set commissions.")
    account = ConnectedAccount.objects.filter(seller__public_id=seller_public_id).first()
    if account is None:
        raise NotFound("That photographer has not connected a payment account.")
    if percent in (None, ""):
        account.commission_percent = None
    else:
        account.commission_percent = percent_clean(
            percent, field="commission_percent", what="the commission"
        )
    account.save(update_fields=["commission_percent", "updated_at"])
    return account


def destination_for(seller) -> ConnectedAccount:
    """The account a card sale of `seller`'s is paid into; refused (payment_unsupported) when
    they cannot take card payments yet."""
    account = ConnectedAccount.objects.filter(seller=seller).first()
    if account is None or not account.charges_enabled:
        raise CardsOff(
            "This photographer cannot take card payments yet; "
            "the order can be paid offline (see the payment instructions)."
        )
    return account


class CardsOff(PaymentUnsupported):
    """The seller's connected account cannot take charges (none, pending or restricted)."""
