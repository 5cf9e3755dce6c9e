"""Client-facing pages: the home page, photographers' portfolios, the account page."""

from allauth.account.models import EmailAddress
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from proofsheet.core.errors import DomainError
from proofsheet.galleries import client_selectors
from proofsheet.payments import saved_cards
from proofsheet.payments.selectors import card_provider_name


def home(request):
    """Public galleries and photographers, a box for an access code, and what Proofsheet is."""
    context = {
        "galleries": client_selectors.public_galleries(limit=12),
        "photographers": client_selectors.public_photographers(limit=12),
    }
    return render(request, "storefront/home.html", context)


def portfolio(request, user_id):
    """A photographer's page: their public galleries."""
    photographer = client_selectors.photographer_get(user_id)
    if photographer is None:
        raise Http404
    context = {
        "photographer": photographer,
        "galleries": client_selectors.public_galleries(owner=photographer, limit=100),
    }
    return render(request, "storefront/portfolio.html", context)


@login_required
def account(request):
    """Show the signed-in user's account: role, emails, and where to manage security."""
    emails = EmailAddress.objects.filter(user=request.user).order_by("-primary", "email")
    provider, cards, cards_error = card_provider_name(), [], ""
    if provider:
        try:
            cards = saved_cards.saved_cards(request.user, provider)
        except DomainError as refused:
            cards_error = refused.message
    return render(
        request,
        "storefront/account.html",
        {
            "emails": emails,
            "cards_enabled": bool(provider),
            "cards": cards,
            "cards_error": cards_error,
        },
    )
