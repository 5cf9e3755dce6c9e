"""Orders: what was bought, at which prices, by whom, where it goes, and what happened to it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from proofsheet.catalog.models import ProductKind
from proofsheet.core.models import PublicIdModel, money_field

# What is posted to the buyer (needs an address and a shipping method); the rest is delivered
# as downloads. The one statement of the rule: carts, checkout, orders and pages ask `ships`.
SHIPPED_KINDS = frozenset({ProductKind.PRINT})


def ships(kind: str) -> bool:
    """Whether a product (or order line) of `kind` is posted, so it needs shipping."""
    return kind in SHIPPED_KINDS


class Address(PublicIdModel):
    """An address in a customer's address book (orders keep their own copy)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses"
    )
    name = models.CharField(max_length=120)
    line1 = models.CharField(max_length=200)
    line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    region = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2)

    def __str__(self) -> str:
        return f"{self.name}, {self.city}"


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Awaiting payment"
    PAID = "paid", "Paid"
    SHIPPED = "shipped", "Shipped"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    REFUNDED = "refunded", "Refunded"


class Order(PublicIdModel):
    number = models.CharField(max_length=20, unique=True)  # "PS-000123", for humans
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sales"
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    email = models.EmailField()
    status = models.CharField(
        max_length=10, choices=OrderStatus.choices, default=OrderStatus.PENDING
    )
    currency = models.CharField(max_length=3)
    prices_include_tax = models.BooleanField(default=True)
    subtotal = money_field()
    discount_total = money_field(default=0)
    shipping_total = money_field(default=0)
    tax_total = money_field(default=0)
    total = money_field()
    discount_code = models.CharField(max_length=40, blank=True)
    shipping_method = models.CharField(max_length=80, blank=True)
    shipping_address = models.JSONField(default=dict, blank=True)
    payment_provider = models.CharField(max_length=20, default="offline")
    placed_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # The cart that placed it (its public id: carts sit above orders and are deleted when idle).
    # Retrying "place order" from that cart with the same key (double click, network retry)
    # returns this order; the key means nothing from any other cart.
    cart_public_id = models.UUIDField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cart_public_id", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="order_idempotent_per_cart",
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
        ]
        indexes = [models.Index(fields=["seller", "status", "placed_at"])]

    def __str__(self) -> str:
        return self.number

    @property
    def needs_shipping(self) -> bool:
        """Whether something in the order is posted (it can be marked shipped)."""
        return any(ships(kind) for kind in self.lines.values_list("kind", flat=True))


class OrderLine(PublicIdModel):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    photo = models.ForeignKey(
        "galleries.Photo", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    gallery = models.ForeignKey(
        "galleries.Gallery", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The catalogue product it was sold as, so cancelling can give back limited stock; the
    # snapshot below, not this, says what was sold.
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A snapshot of what was sold: the catalogue may change later, the order may not.
    product_name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10)  # catalog.ProductKind
    resolution = models.CharField(max_length=10, blank=True)
    licence = models.CharField(max_length=12, blank=True)
    options = models.JSONField(default=list, blank=True)  # ["Paper: Lustre", …]
    quantity = models.PositiveIntegerField()
    unit_price = money_field()
    discount = money_field(default=0)
    tax = money_field(default=0)
    total = money_field()
    shipping_address = models.JSONField(default=dict, blank=True)  # when not the order's

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_name}"

    @property
    def ships(self) -> bool:
        return ships(self.kind)


class OrderEvent(models.Model):
    """The order's log: every status change and seller action, in order."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30)  # "placed", "paid", "shipped", "note", …
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.kind}"


class Shipment(PublicIdModel):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shipments")
    carrier = models.CharField(max_length=60)
    tracking_number = models.CharField(max_length=100)
    tracking_url = models.URLField(blank=True)
    shipped_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}"
