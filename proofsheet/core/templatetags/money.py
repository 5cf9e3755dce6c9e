"""Money in templates: `{% load money %}`, then `{{ price|money:currency }}`."""

from django import template

from proofsheet.core.money import amount_text, format_amount

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """`12.50 EUR`, `1,500 JPY`, `1.125 KWD` (rounded to the currency's minor unit)."""
    if amount is None or amount == "":
        return ""
    return format_amount(amount, currency)


@register.filter
def amount(value, currency: str) -> str:
    """`12.50`: the bare amount for a form field (no grouping, no code)."""
    if value is None or value == "":
        return ""
    return amount_text(value, currency)
