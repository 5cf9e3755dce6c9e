"""What people type, cleaned once for every road in (form, API, CLI): text, numbers, whole
numbers, the fields a change may name. Each refusal is an `Invalid` naming its field, so a form
shows it beside that field and the API in `fields`. Money has its own rules in `core.money`."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from proofsheet.core.errors import Invalid


def number_parse(value) -> Decimal | None:
    """A number as people type it (12.5, "12,5", " 8 "), or None when it is none (or infinite)."""
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def number_clean(value, *, field: str, message: str) -> Decimal:
    """`value` as a finite Decimal; anything else is refused with `message` on `field`."""
    number = number_parse(value)
    if number is None:
        raise Invalid({field: message})
    return number


def whole_clean(value, *, field: str, label: str, low: int = 0, high: int = 10**9) -> int:
    """A whole number from `low` to `high` ("12", 12; not 12.5, not True)."""
    if isinstance(value, bool):
        raise Invalid({field: f"{label} must be a whole number."})
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise Invalid({field: f"{label} must be a whole number."}) from None
    if not low <= number <= high:
        raise Invalid({field: f"{label} must be between {low:,} and {high:,}."})
    return number


def text_clean(value, *, field: str, label: str, max_length: int) -> str:
    """Text that must say something, stripped, at most `max_length` characters."""
    text = str(value or "").strip()
    if not text:
        raise Invalid({field: f"{label} cannot be empty."})
    if len(text) > max_length:
        raise Invalid({field: f"{label} has at most {max_length} characters."})
    return text


def fields_check(fields: Iterable[str], allowed: Iterable[str], what: str) -> None:
    """Refuse a change that names a field `what` does not have (a typo must not pass silently)."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise Invalid(f"Unknown {what} fields: {', '.join(sorted(unknown))}")
