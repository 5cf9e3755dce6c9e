"""Getting what was bought to the buyer: shipping methods and rates, download grants."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from proofsheet.catalog.models import Resolution
from proofsheet.core.models import PublicIdModel, money_field


class ShippingKind(models.TextChoices):
    STANDARD = "standard", "Standard"
    EXPEDITED = "expedited", "Expedited"
    PICKUP = "pickup", "Pickup"


class ShippingMethod(PublicIdModel):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shipping_methods"
    )
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=10, choices=ShippingKind.choices)
    currency = models.CharField(max_length=3, default="EUR")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class ShippingRate(PublicIdModel):
    """What a method costs to some countries: a first item, each further item, and weight."""

    method = models.ForeignKey(ShippingMethod, on_delete=models.CASCADE, related_name="rates")
    countries = models.JSONField(default=list)  # ISO codes; empty = everywhere else
    first_item = money_field(default=0)
    additional_item = money_field(default=0)
    per_kg = money_field(default=0)

    def __str__(self) -> str:
        return f"{self.method_id}: {','.join(self.countries) or '*'}"


class DownloadGrant(PublicIdModel):
    """The right to download one purchased file a few times before a date (R07).

    The link carries a random token; only its SHA-256 is stored. Each download claims a use with a
    conditional UPDATE, so concurrent requests never exceed `max_downloads`.
    """

    order_line = models.ForeignKey(
        "orders.OrderLine", on_delete=models.CASCADE, related_name="grants"
    )
    photo = models.ForeignKey("galleries.Photo", on_delete=models.PROTECT, related_name="+")
    resolution = models.CharField(max_length=10)  # catalog.Resolution
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    max_downloads = models.PositiveIntegerField(default=5)
    downloads = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Set while the payment is disputed (a chargeback): the link refuses until it is resolved.
    frozen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(downloads__lte=F("max_downloads")), name="grant_within_count"
            ),
            # Issuing grants twice (a re-run after payment) never duplicates one.
            models.UniqueConstraint(fields=["order_line", "photo"], name="grant_once_per_line"),
        ]

    def __str__(self) -> str:
        return f"grant {self.public_id}"

    @property
    def state(self) -> str:
        """Ready, used up, expired, on hold (disputed) or revoked, for the order pages."""
        if self.revoked_at is not None:
            return "revoked"
        if self.frozen_at is not None:
            return "on hold"
        if self.expires_at <= timezone.now():
            return "expired"
        if self.downloads >= self.max_downloads:
            return "used up"
        return "ready"

    @property
    def resolution_label(self) -> str:
        try:
            return Resolution(self.resolution).label
        except ValueError:
            return self.resolution
