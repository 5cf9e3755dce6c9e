"""Payments of orders through a provider (offline now; Stripe behind the same interface)."""

from __future__ import annotations

from django.db import models

from proofsheet.core.models import PublicIdModel

MONEY = {"max_digits": 14, "decimal_places": 4}


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    REFUNDED = "refunded", "Refunded"


class Payment(PublicIdModel):
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=20)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    reference = models.CharField(max_length=200, blank=True)  # the provider's id

    def __str__(self) -> str:
        return f"{self.provider} {self.amount} {self.currency}"
