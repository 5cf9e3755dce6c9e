"""Template filters for order pages and emails."""

from django import template

from proofsheet.core.money import format_amount

register = template.Library()


@register.filter
def money(amount, currency: str) -> str:
    """`12.50 EUR`: the amount rounded to the currency's minor unit, with its code."""
    if amount is None or amount == "":
        return ""
    return format_amount(amount, currency)
