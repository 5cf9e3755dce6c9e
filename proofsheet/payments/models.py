"""Payments of orders through a provider (offline now; Stripe behind the same interface)."""

from __future__ import annotations

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

    class Meta:
        constraints = [
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
    def next_step(self) -> NextStep:
        return NextStep(
            kind=self.next_step_kind or "none", text=self.next_step_text, url=self.next_step_url
        )
