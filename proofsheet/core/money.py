"""Money: `Decimal` amounts with a currency, quantised per currency, one rounding rule (R31).

Amounts are stored in `DecimalField(max_digits=14, decimal_places=4)` columns and quantised to
the currency's minor unit whenever a price is shown, summed into an order or charged. What a
seller types (a price, a currency, a percentage) is checked here once, for every road in: the
refusal is an `Invalid` naming the field, with the same sentence on a form and in the API.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from proofsheet.core.cleaning import number_clean
from proofsheet.core.errors import Invalid

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


def amount_clean(value, currency: str, *, field: str, empty_is_zero: bool = False) -> Decimal:
    """A price typed by a seller: from 0 to MAX_AMOUNT with at most the currency's decimals
    ("12.50" in EUR, "1500" in JPY). Nothing typed is 0 when `empty_is_zero`."""
    if empty_is_zero and value in (None, ""):
        return Decimal(0)
    amount = number_clean(value, field=field, message="Enter an amount such as 12.50.")
    if amount < 0 or amount > MAX_AMOUNT:
        raise Invalid({field: f"Enter an amount between 0 and {MAX_AMOUNT}."})
    if quantize(amount, currency) != amount:
        raise Invalid({field: f"{currency} amounts have at most {exponent(currency)} decimals."})
    return amount


def currency_clean(value, *, optional: bool = False) -> str:
    """One of CURRENCIES, upper-cased; "" too when `optional` (nothing priced in it)."""
    currency = str(value or "").strip().upper()
    if (currency or not optional) and currency not in CURRENCIES:
        raise Invalid({"currency": f"Choose one of {', '.join(CURRENCIES)}."})
    return currency


def currency_change_check(amounts: Iterable[Decimal], currency: str, *, what: str) -> None:
    """Refuse a switch to `currency` that some stored `amounts` (`what`: "rates") do not fit."""
    if any(quantize(amount, currency) != amount for amount in amounts):
        raise Invalid(
            {
                "currency": f"Some {what} have more decimals than {currency} allows: "
                "change them first."
            }
        )


def percent_clean(
    value,
    *,
    field: str,
    what: str = "a percentage",
    low: int = 0,
    high: int = 100,
    above_low: bool = False,
    places: int | None = 2,
) -> Decimal:
    """A percentage typed by a seller ("12.5", "12,5"), `low` to `high` (`low` itself excluded
    when `above_low`), with at most `places` decimals (None: any)."""
    name = what[0].upper() + what[1:]
    rate = number_clean(value, field=field, message=f"Enter {what} such as 10 or 12.5.")
    if not (low < rate if above_low else low <= rate) or rate > high:
        bound = "more than" if above_low else "at least"
        raise Invalid({field: f"{name} is {bound} {low} and at most {high}."})
    if places is not None and rate != rate.quantize(Decimal(1).scaleb(-places)):
        raise Invalid({field: f"{name} has at most {places} decimals."})
    return rate


def amount_text(amount: Decimal, currency: str) -> str:
    """`12.50`, `1500` (JPY): the bare amount, as the API sends it and a form field shows it."""
    return str(quantize(amount, currency))


def number_text(value: Decimal) -> str:
    """8.00 → "8", 8.50 → "8.5", 19.000 → "19" (never "1.9E+1"): sizes, rates, percentages."""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


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
