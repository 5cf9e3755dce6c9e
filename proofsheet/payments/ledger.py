"""A photographer's ledger: one signed entry per movement of their money (+ to them, − from
them), written once per provider object (kind + reference are unique), so a re-delivered event
or a retried call adds nothing.

Minimal version written with marketplace mode (issue 11); the ledger's pages, CSV export and
platform totals build on it.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction

from proofsheet.payments.models import LedgerEntry


def ledger_record(
    seller,
    kind: str,
    amount: Decimal,
    currency: str,
    order,
    reference: str,
    description: str = "",
) -> LedgerEntry | None:
    """Write one entry; None when an entry of that kind and reference is there already."""
    try:
        with transaction.atomic():  # a savepoint: a duplicate leaves the caller's work intact
            return LedgerEntry.objects.create(
                seller=seller,
                kind=kind,
                amount=amount,
                currency=currency,
                order=order,
                reference=reference[:200],
                description=description[:300],
            )
    except IntegrityError:
        return None
