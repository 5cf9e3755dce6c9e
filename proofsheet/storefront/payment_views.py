"""Paying an order by card, and the payment provider's webhook.

The payment page is the only page that loads the provider's script (Stripe.js): its Content
Security Policy names the provider's origins, every other page keeps `'self'` only. Card data
goes from the browser to the provider; our server sees the PaymentIntent's outcome only, from
the webhook or its own retrieve (`payments.cards`), never from the browser's word.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from proofsheet.core.errors import DomainError, NotFound
from proofsheet.payments import cards, saved_cards
from proofsheet.payments.providers.stripe import to_minor
from proofsheet.payments.selectors import card_provider_name
from proofsheet.storefront.order_views import order_for_ref, secret_url

# What Stripe.js needs besides its own script (Stripe docs: security guide, CSP).
STRIPE_ORIGINS = {
    "script-src": ["https://js.stripe.com", "https://*.js.stripe.com"],
    "frame-src": ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": ["https://api.stripe.com"],
}


def _policy_with(js_url: str) -> dict:
    """The site's CSP plus the provider's origins (and the configured script's own origin,
    localstripe's in tests)."""
    policy = {key: list(value) for key, value in settings.SECURE_CSP.items()}
    parts = urlsplit(js_url)
    own = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    for directive in ("script-src", "frame-src", "connect-src", "style-src", "img-src"):
        extra = STRIPE_ORIGINS.get(directive, []) + ([own] if own else [])
        policy[directive] = [*policy.get(directive, ["'self'"]), *extra]
    return policy


@secret_url
def order_pay(request, ref):
    """GET: the card form for a pending order (first try, or again after a decline).
    POST (from the form's script): pay with the PaymentMethod the card form made; JSON back."""
    order = order_for_ref(request, ref)
    if request.method == "POST":
        return _confirm(request, ref, order)
    try:
        page = cards.card_payment_page(order)
    except DomainError as refused:
        messages.info(request, refused.message)
        return redirect("storefront:order", ref)
    signed_in = request.user.is_authenticated
    try:
        saved = saved_cards.saved_cards(request.user, order.payment_provider) if signed_in else []
    except DomainError:  # the provider is unreachable: a new card can still be tried
        saved = []
    response = render(
        request,
        "storefront/order_pay.html",
        {
            "order": order,
            "ref": ref,
            "page": page,
            "amount_minor": to_minor(order.total, order.currency),
            "can_save": signed_in,
            "saved_cards": saved,
        },
    )
    response._csp_config = _policy_with(page.session.js_url)  # type: ignore[attr-defined]
    return response


def _return_url(request, ref) -> str:
    return request.build_absolute_uri(reverse("storefront:order_pay_return", args=[ref]))


def _confirm(request, ref, order) -> JsonResponse:
    saved = request.POST.get("saved_card", "")
    try:
        state = saved_cards.pay_confirm(
            order,
            request.user,
            payment_method=saved or request.POST.get("payment_method", ""),
            saved=bool(saved),
            save=bool(request.POST.get("save_card")),
            return_url=_return_url(request, ref),
        )
    except DomainError as refused:
        return JsonResponse(
            {"code": refused.code, "message": refused.message}, status=refused.status
        )
    body = {"status": state.status, "next": _return_url(request, ref)}
    if state.status == "requires_action":
        body["client_secret"] = state.client_secret  # for the browser's 3-D Secure step only
    return JsonResponse(body)


@secret_url
@require_POST
def order_pay_setup(request, ref):
    """A SetupIntent for the card Element to turn the card into a PaymentMethod (JSON)."""
    order = order_for_ref(request, ref)
    try:
        secret = saved_cards.pay_setup(
            order, request.user, save=bool(request.POST.get("save_card"))
        )
    except DomainError as refused:
        return JsonResponse(
            {"code": refused.code, "message": refused.message}, status=refused.status
        )
    return JsonResponse({"client_secret": secret})


@secret_url
@require_GET
def order_pay_return(request, ref):
    """Where the card form sends the buyer back: ask the provider (never trust the browser)."""
    order = order_for_ref(request, ref)
    try:
        order = cards.card_payment_sync(order)
    except DomainError as refused:
        messages.warning(request, refused.message)
        return redirect("storefront:order", ref)
    if order.status == "pending":
        failure = order.payments.filter(status="pending").values_list("failure_message", flat=True)
        reason = next(iter(failure), "")
        messages.warning(
            request,
            f"Not paid yet. {reason} " if reason else "Not paid yet: the payment is still open.",
        )
    else:
        messages.success(request, "Thank you: your payment was received.")
    return redirect("storefront:order", ref)


@login_required
@require_POST
def saved_card_remove(request, method_id):
    """Remove one of the signed-in client's saved cards (checked to be theirs)."""
    provider = card_provider_name()
    try:
        if not provider:
            raise NotFound("Card payments are not set up.")
        saved_cards.saved_card_remove(request.user, provider, method_id)
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, "The card was removed.")
    return redirect("account")


@csrf_exempt  # the provider cannot send our CSRF token: its signature is the authorisation
@require_POST
def payment_webhook(request, provider):
    """A provider's event: verified and queued (2xx at once), or 400 when it is not genuine."""
    if provider not in settings.PAYMENT_PROVIDERS:
        return JsonResponse({"code": "not_found", "message": "No such provider."}, status=404)
    try:
        event = cards.webhook_receive(provider, request.body, request.headers)
    except DomainError as refused:
        return JsonResponse(
            {"code": refused.code, "message": refused.message}, status=refused.status
        )
    return HttpResponse(f"queued {event.id}", content_type="text/plain")
