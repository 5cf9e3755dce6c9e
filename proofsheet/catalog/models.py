"""What a photographer sells: price sheets of products (prints, digital downloads), their options,
per-photo prices, and packages (bundle deals)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from proofsheet.core.models import PublicIdModel, money_field


class PriceSheet(PublicIdModel):
    """A reusable list of products and prices in one currency, assigned to galleries."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="price_sheets"
    )
    name = models.CharField(max_length=120)
    currency = models.CharField(max_length=3, default="EUR")
    # The photographer's default sheet for new galleries (at most one per owner).
    is_default = models.BooleanField(default=False)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner"], condition=Q(is_default=True), name="one_default_sheet"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.currency})"


class ProductKind(models.TextChoices):
    PRINT = "print", "Print"
    DIGITAL = "digital", "Digital download"


class Finish(models.TextChoices):
    PAPER = "paper", "Photo print"
    CANVAS = "canvas", "Canvas"
    METAL = "metal", "Metal"
    FRAMED = "framed", "Framed print"


class Resolution(models.TextChoices):
    WEB = "web", "Web size (1600 px)"
    PRINT = "print", "Print size (3600 px)"
    FULL = "full", "Full resolution"


class Licence(models.TextChoices):
    PERSONAL = "personal", "Personal use"
    COMMERCIAL = "commercial", "Commercial use"


class Product(PublicIdModel):
    sheet = models.ForeignKey(PriceSheet, on_delete=models.CASCADE, related_name="products")
    kind = models.CharField(max_length=10, choices=ProductKind.choices)
    name = models.CharField(max_length=120)  # "8x10 print", "Full-resolution download"
    # Prints.
    finish = models.CharField(max_length=10, choices=Finish.choices, blank=True)
    width_in = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    height_in = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    weight_grams = models.PositiveIntegerField(default=0)
    # Digital downloads.
    resolution = models.CharField(max_length=10, choices=Resolution.choices, blank=True)
    licence = models.CharField(max_length=12, choices=Licence.choices, blank=True)
    price = money_field()
    cost = money_field(null=True, blank=True)  # what the lab charges
    # Limited editions: None is unlimited; decremented atomically when an order is placed.
    stock = models.PositiveIntegerField(null=True, blank=True)
    active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    # Option groups ("Frame") a client may leave unchosen; every other group needs one choice.
    # Names of groups the product has options in (kept in step by `catalog.products`).
    optional_groups = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    def is_optional(self, group: str) -> bool:
        """May a client buy this product without choosing anything in `group`?"""
        return group in (self.optional_groups or ())


class ProductOption(PublicIdModel):
    """A choice on a product (paper, frame…) with its price difference."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="options")
    group = models.CharField(max_length=40)  # "Paper", "Frame"
    name = models.CharField(max_length=80)  # "Lustre", "Black oak"
    price_delta = money_field(default=0)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["group", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "group", "name"], name="option_unique"),
            models.CheckConstraint(
                condition=Q(price_delta__gte=0), name="option_delta_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group}: {self.name}"


class PhotoPrice(models.Model):
    """A product's price for one photo (the signature shot costs more)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="photo_prices")
    photo = models.ForeignKey("galleries.Photo", on_delete=models.CASCADE, related_name="+")
    price = money_field()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "photo"], name="photo_price_once"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}/{self.photo_id}: {self.price}"


class Package(PublicIdModel):
    """A bundle deal applied in the cart: its items together cost `price`.

    `whole_gallery` packages sell every photo of the gallery as one digital product.
    """

    sheet = models.ForeignKey(PriceSheet, on_delete=models.CASCADE, related_name="packages")
    name = models.CharField(max_length=120)  # "10 digital downloads", "1 8x10 + 2 5x7"
    price = money_field()
    whole_gallery = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class PackageItem(models.Model):
    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["package", "product"], name="package_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"


class GalleryPricing(models.Model):
    """Which price sheet a gallery sells from (none: the gallery sells nothing)."""

    gallery = models.OneToOneField(
        "galleries.Gallery", on_delete=models.CASCADE, related_name="pricing"
    )
    sheet = models.ForeignKey(PriceSheet, on_delete=models.PROTECT, related_name="galleries")

    def __str__(self) -> str:
        return f"{self.gallery_id} → {self.sheet_id}"


class ClientPayment(models.TextChoices):
    """How a seller's clients may pay. Unset ("") means card when the site has a card provider
    configured, else offline (`payments.selectors.client_payment_mode` decides)."""

    DEFAULT = "", "Card when card payments are set up, else bank transfer or later"
    OFFLINE = "offline", "Bank transfer or later only"
    CARD = "card", "Card only"
    BOTH = "both", "Card, or bank transfer or later (the client chooses)"


class StoreSettings(models.Model):
    """A seller's shop-wide choices."""

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="store_settings"
    )
    prices_include_tax = models.BooleanField(default=True)  # EU-style shelf prices
    payment_instructions = models.TextField(blank=True)  # shown for offline payment
    client_payment = models.CharField(
        max_length=10, blank=True, default="", choices=ClientPayment.choices
    )

    def __str__(self) -> str:
        return f"store of {self.owner_id}"


class TaxRule(PublicIdModel):
    """A tax rate for a destination (country, optionally one region), physical and digital apart."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tax_rules"
    )
    country = models.CharField(max_length=2)  # ISO 3166-1 alpha-2
    region = models.CharField(max_length=10, blank=True)  # ISO 3166-2 suffix, "" = whole country
    physical_rate = models.DecimalField(max_digits=6, decimal_places=3, default=0)  # percent
    digital_rate = models.DecimalField(max_digits=6, decimal_places=3, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "country", "region"], name="tax_rule_once"),
        ]

    def __str__(self) -> str:
        return f"{self.country}{'-' + self.region if self.region else ''}"
