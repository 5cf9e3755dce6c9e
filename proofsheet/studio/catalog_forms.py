"""Forms of the studio's price sheets, products, options, packages and bulk markup.

Amounts are plain text fields: the catalogue services parse them in the sheet's currency, so the
form and the API give the same answers ("JPY amounts have at most 0 decimals.")."""

from __future__ import annotations

from django import forms

from proofsheet.catalog.models import Finish, Licence, Resolution
from proofsheet.core.money import CURRENCIES, quantize
from proofsheet.core.web import ServiceErrorsMixin

STANDARD_SIZES = ["4x6", "5x7", "8x10", "11x14", "16x20", "20x30"]
CUSTOM = "custom"


def amount_field(label: str, required: bool = True, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=20,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class SheetCreateForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(max_length=120, initial="My prices")
    currency = forms.ChoiceField(choices=[(c, c) for c in CURRENCIES], initial="EUR")
    start = forms.ChoiceField(
        label="Start with",
        choices=[
            ("starter", "Starter products: prints, canvas, metal, framed, downloads, packages"),
            ("blank", "An empty sheet"),
        ],
        initial="starter",
        widget=forms.RadioSelect,
    )


class SheetForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(max_length=120)
    currency = forms.ChoiceField(
        choices=[(c, c) for c in CURRENCIES],
        help_text="Changing it keeps the amounts as they are: check them afterwards.",
    )


class ProductForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(max_length=120, help_text="As clients see it, such as “8x10 print”.")
    finish = forms.ChoiceField(choices=[("", "—")] + list(Finish.choices), required=False)
    size = forms.ChoiceField(
        label="Size (inches)",
        choices=[(s, s.replace("x", " × ")) for s in STANDARD_SIZES]
        + [(CUSTOM, "Custom size (below)")],
        required=False,
    )
    width_in = forms.CharField(label="Custom width (inches)", max_length=10, required=False)
    height_in = forms.CharField(label="Custom height (inches)", max_length=10, required=False)
    weight_grams = forms.IntegerField(
        label="Shipping weight (grams)", min_value=0, max_value=1_000_000, initial=0
    )
    resolution = forms.ChoiceField(
        label="Download size", choices=[("", "—")] + list(Resolution.choices), required=False
    )
    licence = forms.ChoiceField(choices=[("", "—")] + list(Licence.choices), required=False)
    price = amount_field("Price")
    cost = amount_field(
        "Cost", required=False, help_text="What the lab charges you (optional; for markup)."
    )
    stock = forms.IntegerField(
        min_value=0,
        max_value=1_000_000,
        required=False,
        help_text="For limited editions. Leave empty for unlimited.",
    )
    active = forms.BooleanField(required=False, initial=True, label="On sale")

    PRINT_FIELDS = ("finish", "size", "width_in", "height_in", "weight_grams")
    DIGITAL_FIELDS = ("resolution", "licence")

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        drop = self.DIGITAL_FIELDS if kind == "print" else self.PRINT_FIELDS
        for name in drop:
            del self.fields[name]
        for name in ("finish", "size", "resolution", "licence"):
            if name in self.fields:
                self.fields[name].required = True

    @staticmethod
    def initial_for(product) -> dict:
        currency = product.sheet.currency
        initial = {
            "name": product.name,
            "finish": product.finish,
            "weight_grams": product.weight_grams,
            "resolution": product.resolution,
            "licence": product.licence,
            "price": quantize(product.price, currency),
            "cost": quantize(product.cost, currency) if product.cost is not None else "",
            "stock": product.stock,
            "active": product.active,
        }
        if product.width_in is not None:
            size = f"{product.width_in.normalize():f}x{product.height_in.normalize():f}"
            if size in STANDARD_SIZES:
                initial["size"] = size
            else:
                initial |= {
                    "size": CUSTOM,
                    "width_in": f"{product.width_in.normalize():f}",
                    "height_in": f"{product.height_in.normalize():f}",
                }
        return initial

    def service_fields(self) -> dict:
        """The cleaned data as `catalog.products.product_*` take it."""
        data = dict(self.cleaned_data)
        data["kind"] = self.kind
        size = data.pop("size", None)
        if size and size != CUSTOM:
            data["width_in"], data["height_in"] = size.split("x")
        return data


class OptionForm(ServiceErrorsMixin, forms.Form):
    group = forms.CharField(max_length=40, help_text="Such as Paper or Frame.")
    name = forms.CharField(max_length=80, label="Choice", help_text="Such as Lustre.")
    price_delta = amount_field("Extra price", help_text="0 for no extra charge.")


class PackageForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(max_length=120, help_text="Such as “10 digital downloads”.")
    price = amount_field("Package price")
    whole_gallery = forms.ChoiceField(
        label="Or: the whole gallery as",
        required=False,
        help_text="Sell every photo of the gallery as this download, instead of the items.",
    )
    active = forms.BooleanField(required=False, initial=True, label="On sale")

    def __init__(self, *args, downloads=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["whole_gallery"].choices = [("", "— (sell the items below)")] + [
            (str(p.public_id), p.name) for p in downloads
        ]


class MarkupForm(ServiceErrorsMixin, forms.Form):
    mode = forms.ChoiceField(
        label="Change prices",
        choices=[
            ("percent", "Raise every price by a percentage (negative lowers)"),
            ("cost_factor", "Set each price to cost × factor (products with a cost)"),
        ],
        initial="percent",
        widget=forms.RadioSelect,
    )
    value = forms.CharField(
        label="Percentage or factor",
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
