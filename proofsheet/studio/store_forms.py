"""Forms of the seller's store: discount codes, shipping methods and rates, store settings and tax
rules.

Amounts, percentages and countries are plain text: `cart.discounts`, `fulfillment.shipping` and
`catalog.store` parse them, so the form and the API give the same answers ("JPY amounts have at
most 0 decimals.")."""

from __future__ import annotations

from django import forms
from django.conf import settings

from proofsheet.cart.discounts import MAX_LIMIT
from proofsheet.cart.models import DiscountKind
from proofsheet.catalog.models import ClientPayment, ProductKind
from proofsheet.catalog.store import MAX_INSTRUCTIONS
from proofsheet.core.money import CURRENCIES, amount_text, number_text
from proofsheet.core.web import ServiceErrorsMixin
from proofsheet.fulfillment.models import ShippingKind
from proofsheet.studio.catalog_forms import amount_field
from proofsheet.studio.forms import DATETIME_LOCAL, datetime_local


class _AnyChoiceField(forms.ChoiceField):
    """A select whose value the service judges (a gallery that is not yours is a 404 there)."""

    def valid_value(self, value) -> bool:
        return True


def _limit_field(label: str, help_text: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, required=False, min_value=1, max_value=MAX_LIMIT, help_text=help_text
    )


class DiscountForm(ServiceErrorsMixin, forms.Form):
    code = forms.CharField(
        max_length=40,
        help_text="What clients type at checkout, such as SUMMER10 (letters, digits, - and _; "
        "capitals or not, it is the same code).",
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(
        label="Discount", choices=DiscountKind.choices, initial=DiscountKind.PERCENT
    )
    value = forms.CharField(
        label="Percentage or amount off",
        max_length=20,
        required=False,
        help_text="10 for 10 % off, or an amount in the currency below. Not used for free "
        "shipping.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    currency = forms.ChoiceField(
        choices=[("", "—")] + [(c, c) for c in CURRENCIES],
        required=False,
        help_text="Needed for a fixed amount off and for a minimum order.",
    )
    min_order = amount_field(
        "Minimum order", required=False, help_text="Before shipping and tax. Empty: none."
    )
    starts_at = forms.DateTimeField(
        label="Valid from",
        required=False,
        input_formats=[DATETIME_LOCAL],
        widget=datetime_local(),
        help_text=f"Empty: from now. Times are {settings.TIME_ZONE}.",
    )
    ends_at = forms.DateTimeField(
        label="Valid until",
        required=False,
        input_formats=[DATETIME_LOCAL],
        widget=datetime_local(),
        help_text="Empty: no end.",
    )
    max_uses = _limit_field("Uses in total", "Empty: no limit.")
    max_uses_per_customer = _limit_field(
        "Uses per customer", "Counted by email address. Empty: no limit."
    )
    gallery = _AnyChoiceField(label="Gallery", required=False)
    product_kinds = forms.MultipleChoiceField(
        label="Products",
        choices=[(ProductKind.PRINT, "Prints"), (ProductKind.DIGITAL, "Downloads")],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: everything.",
    )
    active = forms.BooleanField(required=False, initial=True, label="Active")

    GROUPS = (
        ("The code", ("code", "kind", "value", "currency", "active")),
        ("When it applies", ("min_order", "gallery", "product_kinds")),
        ("Validity and limits", ("starts_at", "ends_at", "max_uses", "max_uses_per_customer")),
    )

    def __init__(self, *args, galleries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gallery"].choices = [("", "All galleries")] + [
            (str(g.public_id), g.title) for g in galleries
        ]

    def groups(self):
        return [(legend, [self[name] for name in names]) for legend, names in self.GROUPS]

    @staticmethod
    def initial_for(discount) -> dict:
        currency = discount.currency or "EUR"
        if discount.kind == DiscountKind.PERCENT:
            shown = number_text(discount.value)
        elif discount.kind == DiscountKind.FIXED:
            shown = amount_text(discount.value, currency)
        else:
            shown = ""
        return {
            "code": discount.code,
            "kind": discount.kind,
            "value": shown,
            "currency": discount.currency,
            "min_order": amount_text(discount.min_order, currency) if discount.min_order else "",
            "starts_at": discount.starts_at,
            "ends_at": discount.ends_at,
            "max_uses": discount.max_uses,
            "max_uses_per_customer": discount.max_uses_per_customer,
            "gallery": str(discount.gallery.public_id) if discount.gallery_id else "",
            "product_kinds": list(discount.product_kinds or []),
            "active": discount.active,
        }


class ShippingMethodForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(max_length=80, help_text="As clients see it, such as “Tracked post”.")
    kind = forms.ChoiceField(choices=ShippingKind.choices, initial=ShippingKind.STANDARD)
    currency = forms.ChoiceField(
        choices=[(c, c) for c in CURRENCIES],
        initial="EUR",
        help_text="Offered to carts in this currency: match your price sheet's.",
    )
    active = forms.BooleanField(required=False, initial=True, label="Offered at checkout")

    @staticmethod
    def initial_for(method) -> dict:
        return {name: getattr(method, name) for name in ("name", "kind", "currency", "active")}


class ShippingRateForm(ServiceErrorsMixin, forms.Form):
    countries = forms.CharField(
        max_length=1000,
        required=False,
        help_text="Two-letter codes separated by spaces or commas, such as FR DE BE. Empty: "
        "everywhere the other rates do not cover.",
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    first_item = amount_field("First item", help_text="For the first item of a parcel.")
    additional_item = amount_field("Each further item", required=False)
    per_kg = amount_field("Per kg", required=False, help_text="Added for the parcel's weight.")

    @staticmethod
    def initial_for(rate) -> dict:
        currency = rate.method.currency
        amounts = ("first_item", "additional_item", "per_kg")
        return {"countries": " ".join(rate.countries)} | {
            name: amount_text(getattr(rate, name), currency) for name in amounts
        }


class StoreForm(ServiceErrorsMixin, forms.Form):
    """The store settings; how clients pay is checked by `payments.services`."""

    prices_include_tax = forms.BooleanField(
        required=False,
        label="Prices include tax",
        help_text="Clients see prices with tax included (usual in Europe). Off: tax is added "
        "at checkout.",
    )
    payment_instructions = forms.CharField(
        required=False,
        max_length=MAX_INSTRUCTIONS,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Payment instructions",
        help_text="Shown to clients who pay by bank transfer or later: your IBAN, reference…",
    )

    client_payment = forms.ChoiceField(
        required=False,
        choices=ClientPayment.choices,
        widget=forms.RadioSelect,
        label="How clients pay",
        help_text="Card payments need a card provider (Stripe) set up on this site.",
    )

    @staticmethod
    def initial_for(current) -> dict:
        return {
            "prices_include_tax": current.prices_include_tax,
            "payment_instructions": current.payment_instructions,
            "client_payment": current.client_payment,
        }


class TaxRuleForm(ServiceErrorsMixin, forms.Form):
    country = forms.CharField(
        max_length=2,
        min_length=2,
        help_text="Two-letter code, such as DE or US.",
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "size": 3}),
    )
    region = forms.CharField(
        max_length=10,
        required=False,
        help_text="Optional region code, such as CA for California. Beats the country's rule.",
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "size": 4}),
    )
    physical_rate = forms.CharField(
        label="Prints (%)",
        max_length=10,
        initial="0",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6}),
    )
    digital_rate = forms.CharField(
        label="Downloads (%)",
        max_length=10,
        initial="0",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6}),
    )

    @staticmethod
    def initial_for(rule) -> dict:
        return {
            "country": rule.country,
            "region": rule.region,
            "physical_rate": number_text(rule.physical_rate),
            "digital_rate": number_text(rule.digital_rate),
        }
