"""Reading payment state: which provider a sale uses, and what a buyer still has to do to pay.

Reading never asks a provider anything: the next step was stored on the Payment when
`services.payment_start` began it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

from proofsheet.orders.models import Order, OrderStatus
from proofsheet.payments.models import AccountStatus, ConnectedAccount, PaymentStatus
from proofsheet.payments.providers import get_provider
from proofsheet.payments.providers.base import NOTHING_TO_DO, NextStep, ProviderConfigError

OFFLINE = "offline"


def provider_for(seller) -> str:
    """The name of the provider (a key of PAYMENT_PROVIDERS) that takes `seller`'s payments.

    The site's `PAYMENT_PROVIDER`; in marketplace mode a photographer whose connected account
    cannot take charges yet sells offline (`card_sales_allowed`).
    """
    name = settings.PAYMENT_PROVIDER
    if _takes_cards(name) and not card_sales_allowed(seller):
        return OFFLINE
    return name


def _takes_cards(name: str) -> bool:
    try:
        return bool(get_provider(name).takes_cards)
    except (ProviderConfigError, KeyError, TypeError, ImportError, ValueError):
        return False  # a misconfigured provider: the system check says why


def card_sales_allowed(seller) -> bool:
    """Whether `seller`'s clients can pay by card: the site takes cards and, in marketplace
    mode, the seller's connected account can take charges (not none, pending or restricted)."""
    if not _takes_cards(settings.PAYMENT_PROVIDER):
        return False
    if not settings.MARKETPLACE:
        return True
    return ConnectedAccount.objects.filter(
        seller=seller, charges_enabled=True, status=AccountStatus.ENABLED
    ).exists()


# What Stripe's requirement names mean, for photographers (the rest are shown as they come).
REQUIREMENT_TEXT = {
    "external_account": "a bank account for payouts",
    "individual.verification.document": "an identity document",
    "individual.verification.additional_document": "another identity document",
    "individual.id_number": "your ID number",
    "individual.ssn_last_4": "the last 4 digits of your SSN",
    "individual.dob.day": "your date of birth",
    "individual.dob.month": "your date of birth",
    "individual.dob.year": "your date of birth",
    "individual.address.line1": "your address",
    "individual.address.city": "your address",
    "individual.address.postal_code": "your address",
    "individual.first_name": "your name",
    "individual.last_name": "your name",
    "individual.email": "your email address",
    "individual.phone": "your phone number",
    "business_profile.url": "your website",
    "business_profile.mcc": "your business category",
    "business_profile.product_description": "what you sell",
    "business_type": "your business type",
    "tos_acceptance.date": "accepting Stripe's terms",
    "tos_acceptance.ip": "accepting Stripe's terms",
}


@dataclass(frozen=True)
class PayoutStatus:
    """The studio's "Get paid" page and GET /api/v1/payouts/account: where a photographer's
    connected account stands and why cards are off, if they are."""

    marketplace: bool
    connected: bool
    status: str  # "none", "pending", "restricted", "enabled"
    cards: bool  # whether their clients can pay by card now
    reason: str  # why cards are off, for people ("" when they are on)
    requirements: list[str] = field(default_factory=list)  # Stripe's names
    requirements_text: list[str] = field(default_factory=list)  # the same, for people
    payouts_enabled: bool = False
    commission_percent: Decimal | None = None
    account: ConnectedAccount | None = None


def payout_status(seller) -> PayoutStatus:
    account = ConnectedAccount.objects.filter(seller=seller).first()
    marketplace = bool(settings.MARKETPLACE)
    cards = card_sales_allowed(seller)
    percent = None
    if marketplace:
        percent = (
            account.commission_percent
            if account is not None and account.commission_percent is not None
            else Decimal(settings.PLATFORM_COMMISSION_PERCENT)
        )
    requirements = list(account.requirements) if account is not None else []
    texts: list[str] = []
    for name in requirements:
        text = REQUIREMENT_TEXT.get(name, name.replace("_", " ").replace(".", " › "))
        if text not in texts:
            texts.append(text)
    status = account.status if account is not None else "none"
    reason = ""
    if not cards:
        if not _takes_cards(settings.PAYMENT_PROVIDER):
            reason = "Card payments are not set up on this site; clients pay offline."
        elif account is None:
            reason = (
                "Card payments are off until you connect a Stripe account: "
                "your clients can only pay offline."
            )
        elif status == AccountStatus.RESTRICTED:
            reason = (
                "Card payments are off: Stripe needs more information before your account "
                "can take payments"
                + (f" ({', '.join(texts)})" if texts else "")
                + ". Your clients can only pay offline."
            )
        else:
            reason = (
                "Card payments are off until you finish Stripe's onboarding: "
                "your clients can only pay offline."
            )
    return PayoutStatus(
        marketplace=marketplace,
        connected=account is not None,
        status=status,
        cards=cards,
        reason=reason,
        requirements=requirements,
        requirements_text=texts,
        payouts_enabled=bool(account and account.payouts_enabled),
        commission_percent=percent,
        account=account,
    )


def payment_next_step(order: Order) -> NextStep:
    """What the buyer still has to do to pay (nothing unless the order is pending)."""
    if order.status != OrderStatus.PENDING:
        return NOTHING_TO_DO
    payment = order.payments.filter(status=PaymentStatus.PENDING).first()
    return payment.next_step if payment is not None else NOTHING_TO_DO


def refunds_supported(order: Order) -> bool:
    """Whether the order's provider can refund it (not one that is no longer configured)."""
    if order.payment_provider not in settings.PAYMENT_PROVIDERS:
        return False
    return get_provider(order.payment_provider).supports_refunds
