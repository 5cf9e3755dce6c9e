"""Carts and discount codes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from proofsheet.core.models import PublicIdModel, money_field
from proofsheet.orders.models import ships

MAX_QUANTITY = 99


class Cart(PublicIdModel):
    """One visitor's cart: a guest's (by session) or an account's; one seller and currency."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    session_key = models.CharField(max_length=64, blank=True, db_index=True)
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    currency = models.CharField(max_length=3, blank=True)
    discount_code = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(user__isnull=False), name="one_cart_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"cart {self.public_id}"


class CartLine(PublicIdModel):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    # The gallery the line was bought from (a whole-gallery package line has no photo).
    gallery = models.ForeignKey(
        "galleries.Gallery", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    photo = models.ForeignKey(
        "galleries.Photo", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    package = models.ForeignKey(
        "catalog.Package", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )  # a whole-gallery package line
    options = models.ManyToManyField("catalog.ProductOption", blank=True, related_name="+")
    quantity = models.PositiveIntegerField(default=1)
    saved_for_later = models.BooleanField(default=False)
    shipping_address = models.ForeignKey(
        "orders.Address", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1, quantity__lte=MAX_QUANTITY), name="line_quantity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"

    @property
    def ships(self) -> bool:
        """Whether this line is posted (a print), so the checkout asks where and how."""
        return ships(self.product.kind)


class DiscountKind(models.TextChoices):
    PERCENT = "percent", "Percentage off"
    FIXED = "fixed", "Fixed amount off"
    FREE_SHIPPING = "free_shipping", "Free shipping"


class Discount(PublicIdModel):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="discounts"
    )
    code = models.CharField(max_length=40)  # stored upper-case
    kind = models.CharField(max_length=14, choices=DiscountKind.choices)
    value = money_field(default=0)  # percent, or an amount in `currency`
    currency = models.CharField(max_length=3, blank=True)
    min_order = money_field(default=0)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    max_uses = models.PositiveIntegerField(null=True, blank=True)
    max_uses_per_customer = models.PositiveIntegerField(null=True, blank=True)
    uses = models.PositiveIntegerField(default=0)
    gallery = models.ForeignKey(
        "galleries.Gallery", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    product_kinds = models.JSONField(default=list, blank=True)  # [] = all
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "code"], name="discount_code_unique"),
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(uses__lte=F("max_uses")),
                name="discount_within_uses",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class DiscountUse(models.Model):
    """One order's use of a code, claimed in the transaction that places the order (R32)."""

    discount = models.ForeignKey(Discount, on_delete=models.CASCADE, related_name="uses_log")
    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.discount_id} by {self.email}"
