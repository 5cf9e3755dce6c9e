"""Moments typed by users, stored the same way everywhere."""

from datetime import UTC, datetime

from django.utils import timezone

from proofsheet.core.errors import Invalid


def as_utc(value, field: str) -> datetime | None:
    """A moment in UTC, or a field error. Python accepts offsets up to ±23:59 but PostgreSQL only
    ±15:59, and a time next to year 1 or 9999 may not convert at all."""
    if value in (None, ""):
        return None
    if not isinstance(value, datetime):
        raise Invalid({field: "Give a date and time."})
    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise Invalid({field: "Give a date between the years 2 and 9998."}) from None
