"""Money: `Decimal` amounts with a currency, quantised per currency, one rounding rule (R31).

Amounts are stored in `DecimalField(max_digits=14, decimal_places=4)` columns and quantised to
the currency's minor unit whenever a price is shown, summed into an order or charged.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# ISO 4217 minor units for the currencies a photographer can sell in (others: 2).
MINOR_UNITS = {"JPY": 0, "KRW": 0, "ISK": 0, "HUF": 2, "KWD": 3, "BHD": 3, "JOD": 3, "OMR": 3}
CURRENCIES = (
    "EUR", "USD", "GBP", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK", "PLN", "CZK",
    "HUF", "JPY", "KRW", "ISK", "KWD", "BHD", "JOD", "OMR", "BRL", "MXN", "ZAR", "INR", "SGD",
)  # fmt: skip
ROUNDING = ROUND_HALF_UP  # the one rule: half away from zero, as shops and tax offices expect
MAX_AMOUNT = Decimal("1000000")  # no single price or total above this


def exponent(currency: str) -> int:
    return MINOR_UNITS.get(currency.upper(), 2)


def quantize(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded to the currency's minor unit."""
    return Decimal(amount).quantize(Decimal(1).scaleb(-exponent(currency)), rounding=ROUNDING)


def parse_amount(value, currency: str) -> Decimal:
    """A price typed by a seller: a non-negative number with at most the currency's decimals."""
    try:
        amount = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValueError("Enter an amount such as 12.50.") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise ValueError(f"Enter an amount between 0 and {MAX_AMOUNT}.")
    if quantize(amount, currency) != amount:
        raise ValueError(f"{currency} amounts have at most {exponent(currency)} decimals.")
    return amount


def format_amount(amount: Decimal, currency: str) -> str:
    """`12.50 EUR` style (no locale guessing: the currency code is always shown)."""
    return f"{quantize(amount, currency):,} {currency}"


def allocate(total: Decimal, weights: list[Decimal], currency: str) -> list[Decimal]:
    """Split `total` over `weights` in proportion, in minor units, so the parts add up exactly.

    Used to spread an order discount over its lines (largest remainders get the odd cents).
    """
    unit = Decimal(1).scaleb(-exponent(currency))
    total = quantize(total, currency)
    weight_sum = sum(weights, Decimal(0))
    if not weights:
        return []
    if weight_sum == 0:
        weights, weight_sum = [Decimal(1)] * len(weights), Decimal(len(weights))
    raw = [total * w / weight_sum for w in weights]
    parts = [(r / unit).to_integral_value(rounding="ROUND_FLOOR") * unit for r in raw]
    leftover = int((total - sum(parts, Decimal(0))) / unit)
    order = sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in order[:leftover]:
        parts[i] += unit
    return parts
