"""The studio's "Get paid" page (marketplace mode): connect a Stripe account, see where it
stands and why card payments are off. Thin over `payments.connect` and `payments.selectors`."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from proofsheet.core.errors import DomainError
from proofsheet.core.money import number_text
from proofsheet.payments import connect
from proofsheet.payments import selectors as payment_selectors
from proofsheet.studio.common import photographer_required


def _links(request) -> dict:
    page = request.build_absolute_uri(reverse("studio:payouts"))
    return {
        "refresh_url": request.build_absolute_uri(reverse("studio:payouts_refresh")),
        "return_url": page + "?return=1",
    }


@photographer_required
def payouts(request):
    if not connect.marketplace():
        raise Http404("Payouts are for marketplace sites.")
    if request.GET.get("return"):
        # Back from Stripe's onboarding: the browser's word proves nothing, so ask Stripe.
        try:
            connect.account_sync(request.user)
        except DomainError as error:
            messages.error(request, f"Could not check your Stripe account: {error.message}")
        return redirect("studio:payouts")
    payout = payment_selectors.payout_status(request.user)
    response = render(
        request,
        "studio/payouts.html",
        {"payout": payout, "commission": number_text(payout.commission_percent or 0)},
    )
    try:
        origins = connect.onboarding_origins()
    except DomainError:  # no Stripe configured: the page says so, its form goes nowhere else
        origins = []
    if origins:
        # "Connect with Stripe" posts here and is redirected to Stripe's onboarding: the
        # browser applies form-action to that redirect too.
        policy = {key: list(value) for key, value in settings.SECURE_CSP.items()}
        policy["form-action"] = [*policy.get("form-action", ["'self'"]), *origins]
        response._csp_config = policy  # type: ignore[attr-defined]
    return response


@require_POST
@photographer_required
def payouts_connect(request):
    """ "Connect with Stripe" / "Continue onboarding": the account (made once) and a new link."""
    try:
        url = connect.account_connect(request.user, **_links(request))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("studio:payouts")
    return HttpResponseRedirect(url)


@photographer_required
def payouts_refresh(request):
    """Stripe's refresh_url: the last onboarding link expired or was used; make a new one."""
    try:
        url = connect.account_link_again(request.user, **_links(request))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("studio:payouts")
    return HttpResponseRedirect(url)
