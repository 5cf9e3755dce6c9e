"""Payments of orders through a provider (offline now; Stripe behind the same interface)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from proofsheet.core.models import PublicIdModel, money_field
from proofsheet.payments.providers.base import NextStep


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    REFUNDED = "refunded", "Refunded"


class Payment(PublicIdModel):
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=20)
    amount = money_field()
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    reference = models.CharField(max_length=200, blank=True)  # the provider's id
    # What the provider said the buyer does next when the payment was started, kept so that
    # pages show it without asking the provider again (a card provider would start a new
    # payment each time).
    next_step_kind = models.CharField(max_length=20, blank=True)
    next_step_text = models.TextField(blank=True)
    next_step_url = models.URLField(max_length=2000, blank=True)
    # Card payments: the provider's client secret for this attempt (handed to Stripe.js on the
    # payment page, never logged), how it was paid, what has been refunded, and why the last try
    # failed. The amount is the order's total when the attempt began (checked against the event).
    client_secret = models.CharField(max_length=300, blank=True)
    attempt = models.PositiveSmallIntegerField(default=1)
    method = models.CharField(max_length=30, blank=True)  # "card", "sepa_debit", …
    card_brand = models.CharField(max_length=20, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    amount_refunded = money_field(default=0)
    failure_message = models.CharField(max_length=300, blank=True)
    # Set when the provider reported an amount or currency other than the order's (never paid).
    mismatch = models.CharField(max_length=300, blank=True)
    # Marketplace: the platform's commission taken as an application fee, and the connected
    # account the rest goes to (empty in studio mode).
    application_fee = money_field(default=0)
    destination = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_refunded__lte=models.F("amount")),
                name="payment_refund_within_amount",
            ),
            # Starting a payment twice finds the first one (payments.services.payment_start).
            models.UniqueConstraint(
                fields=["order"],
                condition=Q(status="pending"),
                name="one_pending_payment_per_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.amount} {self.currency}"

    @property
    def paid_with(self) -> str:
        """How it was paid, for people: "Visa •••• 4242", "SEPA Direct Debit", or ""."""
        if self.card_last4:
            return f"{self.card_brand.title() or 'Card'} •••• {self.card_last4}"
        return self.method.replace("_", " ").title() if self.method else ""

    @property
    def refundable(self):
        return self.amount - self.amount_refunded

    @property
    def next_step(self) -> NextStep:
        return NextStep(
            kind=self.next_step_kind or "none", text=self.next_step_text, url=self.next_step_url
        )


class RefundStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # asked of the provider, no answer yet
    SUCCEEDED = "succeeded", "Refunded"
    FAILED = "failed", "Failed"


class Refund(PublicIdModel):
    """Money given back on a payment: the whole of it, some lines, or an amount.

    The amount is reserved on the payment (`amount_refunded`) under its row lock before the
    provider is asked, so two refunds together can never give back more than was paid.
    """

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = money_field()
    status = models.CharField(
        max_length=10, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    reference = models.CharField(max_length=200, blank=True)  # the provider's id (re_…)
    reason = models.CharField(max_length=300, blank=True)
    lines = models.JSONField(default=list, blank=True)  # public ids of the refunded order lines
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # "seller" (studio or API), "provider" (made in the provider's own dashboard, picked up from
    # its event) or "system" (a payment that arrived for a cancelled order).
    source = models.CharField(max_length=10, default="seller")
    failure_message = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reference"], condition=~Q(reference=""), name="refund_reference_once"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"refund {self.amount} of {self.payment_id}"


class WebhookEvent(models.Model):
    """A provider's webhook event, stored once by its id in the transaction that applies it:
    a duplicate, replayed or re-delivered event finds its id taken and changes nothing."""

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=100)
    type = models.CharField(max_length=100)
    outcome = models.CharField(max_length=300, blank=True)  # what it changed, for admins
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="provider_event_once")
        ]
        indexes = [models.Index(fields=["received_at"])]

    def __str__(self) -> str:
        return f"{self.provider} {self.type} {self.event_id}"


class DisputeStatus(models.TextChoices):
    OPEN = "open", "Open"
    WON = "won", "Won"
    LOST = "lost", "Lost"


class Dispute(PublicIdModel):
    """A chargeback: the buyer's bank disputes a payment. Downloads are frozen while it is open."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="disputes")
    reference = models.CharField(max_length=200, unique=True)  # the provider's id (dp_…)
    amount = money_field()
    reason = models.CharField(max_length=100, blank=True)
    status = models.CharField(
        max_length=10, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"dispute {self.reference}"


class AccountStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # onboarding not finished
    RESTRICTED = "restricted", "Restricted"  # the provider needs more before it takes charges
    ENABLED = "enabled", "Enabled"


class ConnectedAccount(PublicIdModel):
    """Marketplace: a photographer's own account at the provider (Stripe Connect), which their
    sales are paid out to, less the platform's commission."""

    seller = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="connected_account"
    )
    provider = models.CharField(max_length=20, default="stripe")
    reference = models.CharField(max_length=100, unique=True)  # acct_…
    status = models.CharField(
        max_length=12, choices=AccountStatus.choices, default=AccountStatus.PENDING
    )
    charges_enabled = models.BooleanField(default=False)
    payouts_enabled = models.BooleanField(default=False)
    requirements = models.JSONField(default=list, blank=True)  # what the provider still needs
    # The platform's commission for this photographer in percent (None: the platform default).
    commission_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.reference} ({self.status})"


class PaymentCustomer(models.Model):
    """A signed-in client's customer record at the provider, which holds their saved cards."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="payment_customers"
    )
    provider = models.CharField(max_length=20)
    reference = models.CharField(max_length=100)  # cus_…
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "provider"], name="one_customer_per_provider")
        ]

    def __str__(self) -> str:
        return self.reference


class LedgerKind(models.TextChoices):
    SALE = "sale", "Sale"
    FEE = "fee", "Platform fee"
    REFUND = "refund", "Refund"
    FEE_REFUND = "fee_refund", "Fee refunded"
    TRANSFER = "transfer", "Transfer"
    TRANSFER_REVERSAL = "transfer_reversal", "Transfer reversed"
    PAYOUT = "payout", "Payout"
    DISPUTE = "dispute", "Dispute"
    DISPUTE_WON = "dispute_won", "Dispute won"


class LedgerEntry(models.Model):
    """One movement of a photographer's money (signed: + to them, − from them), written once per
    provider object (kind + reference unique), so a re-delivered event adds nothing."""

    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    kind = models.CharField(max_length=20, choices=LedgerKind.choices)
    amount = money_field()  # signed
    currency = models.CharField(max_length=3)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reference = models.CharField(max_length=200)
    description = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "reference"], name="ledger_entry_once")
        ]
        indexes = [models.Index(fields=["seller", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency}"
