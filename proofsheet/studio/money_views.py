"""The photographer's ledger (with its CSV export) and, for staff only, the platform's card
totals."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from proofsheet.core.errors import DomainError
from proofsheet.core.http import csv_response
from proofsheet.payments.ledger import date_range, ledger_csv, ledger_statement, platform_totals
from proofsheet.payments.models import LedgerKind
from proofsheet.studio.common import photographer_required


def _dates(request):
    """The page's `from`/`to` dates and the sentence saying what is wrong with them."""
    start_text, end_text = request.GET.get("from", "")[:10], request.GET.get("to", "")[:10]
    try:
        start, end = date_range(start_text, end_text)
    except DomainError as error:
        return None, None, start_text, end_text, error.message
    return start, end, start_text, end_text, ""


@photographer_required
def ledger(request):
    """Each movement of the photographer's card money, oldest first, with running totals."""
    start, end, start_text, end_text, problem = _dates(request)
    statement = ledger_statement(request.user, start, end) if not problem else None
    return render(
        request,
        "studio/money/ledger.html",
        {
            "statement": statement,
            "from": start_text,
            "to": end_text,
            "problem": problem,
            "kinds": dict(LedgerKind.choices),
        },
        status=422 if problem else 200,
    )


@photographer_required
def ledger_export(request):
    start, end, _start, _end, problem = _dates(request)
    if problem:
        start = end = None
    return csv_response(ledger_csv(ledger_statement(request.user, start, end).rows), "ledger.csv")


@login_required
def platform(request):
    """Staff only (anyone else: not found): gross sales, fees, refunds and disputes."""
    if not request.user.is_staff:
        raise Http404("No such page")
    start, end, start_text, end_text, problem = _dates(request)
    return render(
        request,
        "studio/money/platform.html",
        {
            "totals": platform_totals(start, end) if not problem else [],
            "from": start_text,
            "to": end_text,
            "problem": problem,
        },
        status=422 if problem else 200,
    )
