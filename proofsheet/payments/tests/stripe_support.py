"""Card payments in tests: the Stripe provider pointed at a real server on loopback (localstripe or
the stand-in), and the browser's part (turning a test card into a PaymentMethod) done with
stripe-python against the same server, as Stripe.js would."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from proofsheet.payments.providers import get_provider

WEBHOOK_SECRET = "whsec_test_proofsheet"
VISA = "4242424242424242"
DECLINED = "4000000000000341"  # localstripe declines it when charged
THREE_D_SECURE = "4000002760003184"  # asks for authentication on every payment


def use_stripe(settings, base_url: str, **options) -> None:
    """Make `stripe` (talking to `base_url`) the provider new orders are paid through."""
    settings.PAYMENT_PROVIDERS = {
        **settings.PAYMENT_PROVIDERS,
        "stripe": {
            "BACKEND": "proofsheet.payments.providers.stripe.StripeProvider",
            "OPTIONS": {
                "secret_key": "sk_test_proofsheet",
                "publishable_key": "pk_test_proofsheet",
                "webhook_secret": WEBHOOK_SECRET,
                "api_base": base_url,
                "js_url": f"{base_url}/js.stripe.com/v3/",
                "element": "card",
                "automatic_methods": False,  # localstripe refuses them
                "max_retries": 0,
                **options,
            },
        },
    }
    settings.PAYMENT_PROVIDER = "stripe"


def card_method(number: str = VISA) -> str:
    """What the card form does in the browser: a PaymentMethod for a test card."""
    client = get_provider("stripe").client
    method = client.v1.payment_methods.create(
        {
            "type": "card",
            "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"},
        }
    )
    return method.id


def authenticate(base_url: str, state, *, success: bool = True) -> None:
    """The buyer's 3-D Secure answer, as localstripe's Stripe.js posts it."""
    import urllib.request

    request = urllib.request.Request(
        f"{base_url}/v1/payment_intents/{state.reference}/_authenticate?success={str(success).lower()}",
        data=json.dumps(
            {"key": "pk_test_proofsheet", "client_secret": state.client_secret}
        ).encode(),
        method="POST",
    )
    urllib.request.urlopen(request, timeout=10).read()


def signed(
    event: dict, secret: str = WEBHOOK_SECRET, *, at: int | None = None
) -> tuple[bytes, str]:
    """A webhook body and its Stripe-Signature header, signed with Stripe's real scheme."""
    body = json.dumps(event).encode()
    timestamp = int(time.time()) if at is None else at
    payload = f"{timestamp}.".encode() + body
    signature = hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()
    return body, f"t={timestamp},v1={signature}"


def intent_event(order, state, kind="payment_intent.succeeded", event_id="evt_1", amount=None):
    """A `payment_intent.*` event for the order's attempt, as Stripe would send it."""
    return {
        "id": event_id,
        "object": "event",
        "type": kind,
        "data": {
            "object": {
                "id": state.reference,
                "object": "payment_intent",
                "status": "succeeded" if kind.endswith("succeeded") else "requires_payment_method",
                "amount": state.amount if amount is None else amount,
                "currency": state.currency.lower(),
                "metadata": {"order": str(order.public_id)},
                "client_secret": state.client_secret,
                "last_payment_error": None
                if kind.endswith("succeeded")
                else {"message": "Your card was declined."},
            }
        },
    }
