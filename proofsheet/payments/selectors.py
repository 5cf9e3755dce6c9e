"""Reading payment state: which provider a sale uses, and what a buyer still has to do to pay.

Reading never asks a provider anything: the next step was stored on the Payment when
`services.payment_start` began it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings

from proofsheet.catalog.selectors import store_settings_for
from proofsheet.core.errors import Invalid
from proofsheet.orders.models import Order, OrderStatus
from proofsheet.orders.services import TRANSITIONS
from proofsheet.payments.models import (
    AccountStatus,
    ConnectedAccount,
    Dispute,
    DisputeStatus,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from proofsheet.payments.providers import get_provider
from proofsheet.payments.providers.base import NOTHING_TO_DO, NextStep, ProviderConfigError

OFFLINE = "offline"

# The buyer's choice at checkout when the store allows both ways.
PAY_CARD = "card"
PAY_OFFLINE = "offline"
PAY_CHOICES = {
    PAY_CARD: "Pay by card",
    PAY_OFFLINE: "Pay by bank transfer or later",
}


def card_provider_name() -> str:
    """The configured provider that takes cards ("" when the site takes none): the site's
    `PAYMENT_PROVIDER` when it is a card one (Stripe, the default once its key is set)."""
    name = settings.PAYMENT_PROVIDER
    if name in settings.PAYMENT_PROVIDERS and get_provider(name).takes_cards:
        return name
    return ""


def offline_provider_name() -> str:
    """The provider for "bank transfer or later": the site's own when it takes no cards."""
    return "offline" if card_provider_name() else settings.PAYMENT_PROVIDER


def client_payment_mode(seller) -> str:
    """How `seller`'s clients pay: "offline", "card" or "both" (`catalog.ClientPayment`).

    The store setting, unset meaning card when the site has a card provider; offline whatever
    the setting says when there is no card provider (any more) or the seller may not sell by
    card (`card_sales_allowed`)."""
    if not card_provider_name() or seller is None or not card_sales_allowed(seller):
        return PAY_OFFLINE
    return store_settings_for(seller).client_payment or PAY_CARD


def payment_choices(seller) -> list[str]:
    """The ways (PAY_CARD, PAY_OFFLINE) a buyer of `seller` may choose from at checkout."""
    mode = client_payment_mode(seller)
    return [PAY_CARD, PAY_OFFLINE] if mode == "both" else [mode]


def provider_for(seller, choice: str = "") -> str:
    """The name of the provider (a key of PAYMENT_PROVIDERS) that takes this sale's payment:
    the buyer's `choice` ("card" / "offline") among the ways the seller's store allows, or the
    first of them (card) without one. A way the store does not allow is refused (Invalid)."""
    allowed = payment_choices(seller)
    choice = (choice or "").strip()
    if not choice:
        choice = allowed[0]
    elif choice not in allowed:
        if choice not in PAY_CHOICES:
            raise Invalid({"pay_with": "Choose card or offline."})
        raise Invalid(
            {
                "pay_with": "This shop takes card payments only."
                if allowed == [PAY_CARD]
                else "This shop does not take card payments; pay by bank transfer or later."
            }
        )
    return card_provider_name() if choice == PAY_CARD else offline_provider_name()


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


# --- what the seller sees of an order's money ------------------------------------------------


@dataclass(frozen=True)
class OrderMoney:
    """An order's payments, refunds and disputes, and what is left to refund."""

    payments: list[Payment]
    refunds: list[Refund]
    disputes: list[Dispute]
    card_payment: Payment | None  # the card payment that took the money, if any
    refundable: Decimal  # what a refund may still give back (0: none)
    partial: bool  # lines or an amount may be refunded (card payments), not only the whole
    mismatch: str  # a provider's payment that did not match the order (flagged, never applied)
    refunded_lines: frozenset[str]  # public ids of the lines refunded already

    @property
    def disputed(self) -> bool:
        return any(d.status == DisputeStatus.OPEN for d in self.disputes)


def card_payment_of(order: Order) -> Payment | None:
    """The order's card payment that took money (succeeded, or refunded since), or None."""
    return (
        order.payments.filter(status__in=[PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED])
        .exclude(reference="")
        .exclude(provider="offline")
        .order_by("-id")
        .first()
    )


def order_money(order: Order) -> OrderMoney:
    payments = list(order.payments.order_by("created_at", "id"))
    card = card_payment_of(order)
    refunds = list(Refund.objects.filter(payment__order=order).select_related("payment", "actor"))
    disputes = list(Dispute.objects.filter(payment__order=order).order_by("created_at", "id"))
    refundable = Decimal(0)
    if OrderStatus.REFUNDED in TRANSITIONS.get(order.status, set()):
        if card is not None:
            refundable = card.refundable
        elif refunds_supported(order):
            refundable = order.total
    return OrderMoney(
        payments=payments,
        refunds=refunds,
        disputes=disputes,
        card_payment=card,
        refundable=refundable,
        partial=card is not None,
        mismatch=next((p.mismatch for p in payments if p.mismatch), ""),
        refunded_lines=frozenset(
            line
            for refund in refunds
            if refund.status != RefundStatus.FAILED
            for line in refund.lines
        ),
    )


# --- what the buyer sees of an order's money -------------------------------------------------


@dataclass(frozen=True)
class RefundView:
    amount: Decimal
    at: datetime
    lines: list[str]


@dataclass(frozen=True)
class PaymentSummary:
    """What the buyer's order page says about paying: how it was paid, the refunds, and for a
    pending card order the way to pay (again) with the last failure."""

    paid_with: str = ""
    refunds: list[RefundView] = field(default_factory=list)
    card_pending: bool = False
    last_failure: str = ""


def payment_summary(order: Order) -> PaymentSummary:
    payments = list(order.payments.order_by("-id"))
    paid = [p for p in payments if p.status in (PaymentStatus.SUCCEEDED, PaymentStatus.REFUNDED)]
    names = {str(line.public_id): line.product_name for line in order.lines.all()}
    refunds = [
        RefundView(
            amount=refund.amount,
            at=refund.created_at,
            lines=[names[key] for key in refund.lines if key in names],
        )
        for payment in paid
        for refund in payment.refunds.filter(status=RefundStatus.SUCCEEDED)
    ]
    card_pending = False
    if order.status == OrderStatus.PENDING and order.payment_provider in settings.PAYMENT_PROVIDERS:
        card_pending = get_provider(order.payment_provider).takes_cards
    return PaymentSummary(
        paid_with=next((p.paid_with for p in paid if p.paid_with), ""),
        refunds=refunds,
        card_pending=card_pending,
        last_failure=payments[0].failure_message if payments and card_pending else "",
    )
