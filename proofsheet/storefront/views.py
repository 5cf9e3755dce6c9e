"""Client-facing pages."""

from allauth.account.models import EmailAddress
from django.contrib.auth.decorators import login_required
from django.shortcuts import render


def home(request):
    """Say what Proofsheet is and lead visitors to sign-up and log-in."""
    return render(request, "storefront/home.html")


@login_required
def account(request):
    """Show the signed-in user's account: role, emails, and where to manage security."""
    emails = EmailAddress.objects.filter(user=request.user).order_by("-primary", "email")
    return render(request, "storefront/account.html", {"emails": emails})
