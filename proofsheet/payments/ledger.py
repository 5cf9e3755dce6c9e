"""The photographers' ledger: each movement of a seller's money through the card provider (sale,
platform fee, refund, fee refunded, transfer reversed, dispute, payout), written once.

Every entry is keyed by (kind, the provider object's id): a re-delivered, replayed or re-applied
event finds its row there and adds nothing. Amounts are signed from the photographer's side
(+ to them, − from them). What writes here: `cards.intent_apply` (sale, fee),
`cards` refunds (refund, and on a marketplace refund the fee refunded), `disputes` (dispute,
dispute won) and `payout.paid` (payout), all through `ledger_record`. A marketplace sale is
recorded as the sale and the fee, not as its transfer: the seller's balance is the same and
nothing counts twice.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone

from proofsheet.core.errors import Invalid
from proofsheet.core.money import exponent, format_amount, quantize
from proofsheet.payments.models import (
    ConnectedAccount,
    Dispute,
    DisputeStatus,
    LedgerEntry,
    LedgerKind,
    Payment,
    Refund,
)
from proofsheet.payments.providers.base import ProviderEvent


def ledger_record(
    seller,
    kind: str,
    amount: Decimal,
    currency: str,
    order=None,
    reference: str = "",
    description: str = "",
) -> bool:
    """Write one signed entry of `seller`'s ledger once per (kind, reference); True when written
    now, False when it was already there (a re-delivered event). Nothing is written for zero."""
    currency = currency.upper()
    amount = quantize(Decimal(amount), currency)
    if amount == 0 or not reference:
        return False
    _entry, created = LedgerEntry.objects.get_or_create(
        kind=kind,
        reference=reference[:200],
        defaults={
            "seller": seller,
            "amount": amount,
            "currency": currency,
            "order": order,
            "description": description[:300],
        },
    )
    return created


def ledger_payment_succeeded(payment: Payment) -> None:
    """A card payment arrived: the sale (+gross) and the platform's fee (−, when there is one)."""
    order = payment.order
    ledger_record(
        order.seller,
        LedgerKind.SALE,
        payment.amount,
        payment.currency,
        order,
        payment.reference,
        f"Order {order.number} paid by {payment.paid_with or 'card'}",
    )
    if payment.application_fee:
        ledger_record(
            order.seller,
            LedgerKind.FEE,
            -payment.application_fee,
            payment.currency,
            order,
            payment.reference,
            f"Platform fee on order {order.number}",
        )


def ledger_refund_succeeded(payment: Payment, refund: Refund) -> None:
    """Money given back to the buyer (−amount); the fee and transfer parts of a marketplace
    refund are the marketplace helper's entries."""
    order = payment.order
    ledger_record(
        order.seller,
        LedgerKind.REFUND,
        -refund.amount,
        payment.currency,
        order,
        refund.reference or f"refund-{refund.public_id}",
        f"Refund on order {order.number}" + (f": {refund.reason}" if refund.reason else ""),
    )


def payout_paid(event: ProviderEvent) -> str:
    """`payout.paid` on a connected account: the money left for the photographer's bank."""
    account = ConnectedAccount.objects.select_related("seller").filter(reference=event.account)
    connected = account.first() if event.account else None
    if connected is None:
        return "payout of an unknown account"
    data = event.data
    currency = str(data.get("currency", "")).upper()
    amount = Decimal(int(data.get("amount") or 0)).scaleb(-exponent(currency))
    written = ledger_record(
        connected.seller,
        LedgerKind.PAYOUT,
        -amount,
        currency,
        None,
        str(data.get("id", "")),
        "Payout to your bank account",
    )
    return "payout recorded" if written else "payout already recorded"


# --- reading ------------------------------------------------------------------------------


def date_range(start: str | None, end: str | None) -> tuple[dt.date | None, dt.date | None]:
    """The `from`/`to` dates a page or the API was given ("YYYY-MM-DD", both optional)."""
    found: list[dt.date | None] = []
    for name, value in (("from", start), ("to", end)):
        if not value:
            found.append(None)
            continue
        try:
            found.append(dt.date.fromisoformat(str(value)[:10]))
        except ValueError:
            raise Invalid({name: "A date as YYYY-MM-DD."}) from None
    first, last = found
    if first and last and first > last:
        raise Invalid({"to": "The end comes before the start."})
    return first, last


def _bounds(start: dt.date | None, end: dt.date | None) -> dict:
    """Filters on created_at for whole days in the site's time zone (`end` included)."""
    zone = timezone.get_current_timezone()
    filters = {}
    if start:
        filters["created_at__gte"] = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    if end:
        after = end + dt.timedelta(days=1)
        filters["created_at__lt"] = dt.datetime.combine(after, dt.time.min, tzinfo=zone)
    return filters


@dataclass
class StatementRow:
    entry: LedgerEntry
    balance: Decimal  # the running total of its currency after this entry


@dataclass
class Statement:
    """A seller's entries in a date range, oldest first, with running totals per currency."""

    start: dt.date | None
    end: dt.date | None
    opening: dict[str, Decimal] = field(default_factory=dict)  # before `start`, per currency
    rows: list[StatementRow] = field(default_factory=list)
    closing: dict[str, Decimal] = field(default_factory=dict)
    totals: dict[str, dict[str, Decimal]] = field(default_factory=dict)  # currency → kind → sum


def ledger_statement(seller, start: dt.date | None = None, end: dt.date | None = None) -> Statement:
    """The seller's ledger between two dates (both included) with running totals."""
    statement = Statement(start=start, end=end)
    if start:
        before = (
            LedgerEntry.objects.filter(seller=seller, **_bounds(None, start - dt.timedelta(days=1)))
            .values("currency")
            .annotate(total=Sum("amount"))
        )
        statement.opening = {row["currency"]: row["total"] for row in before}
    balances = dict(statement.opening)
    entries = (
        LedgerEntry.objects.filter(seller=seller, **_bounds(start, end))
        .select_related("order")
        .order_by("created_at", "id")
    )
    for entry in entries:
        balances[entry.currency] = balances.get(entry.currency, Decimal(0)) + entry.amount
        statement.rows.append(StatementRow(entry=entry, balance=balances[entry.currency]))
        kinds = statement.totals.setdefault(entry.currency, {})
        kinds[entry.kind] = kinds.get(entry.kind, Decimal(0)) + entry.amount
    statement.closing = balances
    return statement


LEDGER_CSV_COLUMNS = [
    "date", "kind", "description", "order", "reference", "currency", "amount", "balance",
]  # fmt: skip


def csv_safe(value: str) -> str:
    """Neutralise spreadsheet formulas in text (CSV injection), as the orders export does."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def ledger_csv(rows: Iterable[StatementRow]) -> str:
    """A statement as CSV: text cells neutralised, amounts as plain signed numbers."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(LEDGER_CSV_COLUMNS)
    for row in rows:
        entry = row.entry
        writer.writerow(
            [
                entry.created_at.isoformat(),
                entry.kind,
                csv_safe(entry.description),
                entry.order.number if entry.order else "",
                csv_safe(entry.reference),
                entry.currency,
                quantize(entry.amount, entry.currency),
                quantize(row.balance, entry.currency),
            ]
        )
    return out.getvalue()


# --- the platform's totals (staff) ---------------------------------------------------------


@dataclass
class CurrencyTotals:
    currency: str
    gross_sales: Decimal = Decimal(0)
    refunds: Decimal = Decimal(0)  # given back to buyers (a positive amount)
    fees_earned: Decimal = Decimal(0)  # platform fees less fees refunded
    disputed: Decimal = Decimal(0)  # taken by disputes opened in the range, less those won
    open_disputes: int = 0  # open now, whenever they were opened
    open_disputed_amount: Decimal = Decimal(0)

    def text(self, name: str) -> str:
        return format_amount(getattr(self, name), self.currency)


def platform_totals(
    start: dt.date | None = None, end: dt.date | None = None
) -> list[CurrencyTotals]:
    """Card money through the platform per currency between two dates (from the ledger), and the
    disputes open now."""
    found: dict[str, CurrencyTotals] = {}

    def of(currency: str) -> CurrencyTotals:
        return found.setdefault(currency, CurrencyTotals(currency=currency))

    sums = (
        LedgerEntry.objects.filter(**_bounds(start, end))
        .values("currency", "kind")
        .annotate(total=Sum("amount"))
    )
    for row in sums:
        totals, total = of(row["currency"]), row["total"] or Decimal(0)
        if row["kind"] == LedgerKind.SALE:
            totals.gross_sales += total
        elif row["kind"] == LedgerKind.REFUND:
            totals.refunds -= total
        elif row["kind"] in (LedgerKind.FEE, LedgerKind.FEE_REFUND):
            totals.fees_earned -= total
        elif row["kind"] in (LedgerKind.DISPUTE, LedgerKind.DISPUTE_WON):
            totals.disputed -= total
    disputes = (
        Dispute.objects.filter(status=DisputeStatus.OPEN)
        .values("payment__currency")
        .annotate(count=Count("id"), total=Sum("amount"))
    )
    for open_row in disputes:
        totals = of(open_row["payment__currency"])
        totals.open_disputes = open_row["count"]
        totals.open_disputed_amount = open_row["total"] or Decimal(0)
    return [found[currency] for currency in sorted(found)]
