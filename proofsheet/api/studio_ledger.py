"""/api/v1 endpoints for money: a photographer's ledger (JSON or CSV) and, for staff, the
platform's card totals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Query, Router, Schema
from pydantic import Field

from proofsheet.api.common import ErrorOut, acting_user, errors, seller
from proofsheet.core.errors import Forbidden
from proofsheet.core.http import csv_response
from proofsheet.core.money import quantize
from proofsheet.payments.ledger import date_range, ledger_csv, ledger_statement, platform_totals

router = Router(tags=["ledger"])


class Dates(Schema):
    from_: str | None = Field(None, alias="from", description="First day, YYYY-MM-DD (included)")
    to: str | None = Field(None, description="Last day, YYYY-MM-DD (included)")


class LedgerEntryOut(Schema):
    created_at: dt.datetime
    kind: str = Field(
        description="sale, fee, refund, fee_refund, transfer, transfer_reversal, payout, "
        "dispute, dispute_won"
    )
    description: str
    order_id: str | None
    order_number: str | None
    reference: str
    currency: str
    amount: Decimal = Field(description="Signed: + to you, − from you")
    balance: Decimal = Field(description="The running total of this currency after the entry")


class LedgerOut(Schema):
    opening: dict[str, Decimal] = Field(description="Per currency, before `from`")
    closing: dict[str, Decimal] = Field(description="Per currency, at the end of the range")
    entries: list[LedgerEntryOut]


def _statement(request, dates: Dates):
    start, end = date_range(dates.from_, dates.to)
    return ledger_statement(seller(request), start, end)


def _ledger_csv(statement):
    return csv_response(ledger_csv(statement.rows), "ledger.csv")


@router.get(
    "/ledger",
    response={200: LedgerOut} | errors(403, 422),
    summary="Your ledger (sales, fees, refunds, disputes, payouts) with running totals; "
    "`?format=csv` for a CSV file",
)
def ledger(request, dates: Query[Dates], format: str = "json"):
    statement = _statement(request, dates)
    if format == "csv":
        return _ledger_csv(statement)
    return LedgerOut(
        opening={c: quantize(a, c) for c, a in statement.opening.items()},
        closing={c: quantize(a, c) for c, a in statement.closing.items()},
        entries=[
            LedgerEntryOut(
                created_at=row.entry.created_at,
                kind=row.entry.kind,
                description=row.entry.description,
                order_id=str(row.entry.order.public_id) if row.entry.order else None,
                order_number=row.entry.order.number if row.entry.order else None,
                reference=row.entry.reference,
                currency=row.entry.currency,
                amount=quantize(row.entry.amount, row.entry.currency),
                balance=quantize(row.balance, row.entry.currency),
            )
            for row in statement.rows
        ],
    )


@router.get("/ledger.csv", response={200: None} | errors(403, 422), summary="Your ledger as CSV")
def ledger_export(request, dates: Query[Dates]):
    return _ledger_csv(_statement(request, dates))


class CurrencyTotalsOut(Schema):
    currency: str
    gross_sales: Decimal
    refunds: Decimal
    fees_earned: Decimal
    disputed: Decimal = Field(description="Taken by disputes in the range, less those won")
    open_disputes: int = Field(description="Disputes open now (whenever opened)")
    open_disputed_amount: Decimal


class TotalsOut(Schema):
    start: dt.date | None
    end: dt.date | None
    currencies: list[CurrencyTotalsOut]


@router.get(
    "/admin/payments/totals",
    response={200: TotalsOut, 401: ErrorOut} | errors(403, 422),
    summary="Staff: the platform's card totals per currency (gross sales, refunds, fees "
    "earned, disputes) for a date range",
)
def admin_totals(request, dates: Query[Dates]):
    if not getattr(acting_user(request), "is_staff", False):
        raise Forbidden("Only the platform's admins can see its totals.")
    start, end = date_range(dates.from_, dates.to)
    return TotalsOut(
        start=start,
        end=end,
        currencies=[
            CurrencyTotalsOut(
                currency=t.currency,
                gross_sales=quantize(t.gross_sales, t.currency),
                refunds=quantize(t.refunds, t.currency),
                fees_earned=quantize(t.fees_earned, t.currency),
                disputed=quantize(t.disputed, t.currency),
                open_disputes=t.open_disputes,
                open_disputed_amount=quantize(t.open_disputed_amount, t.currency),
            )
            for t in platform_totals(start, end)
        ],
    )
