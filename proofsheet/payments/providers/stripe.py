"""The `stripe` provider: cards (and the wallets and local methods the Stripe account enables)
through PaymentIntents, refunds, and verified webhook events.

Only this module speaks to Stripe (stripe-python). It turns Stripe's objects into the plain
records of `base` (IntentState, RefundResult, ProviderEvent) and Stripe's errors into our codes,
so `payments.services` holds the rules and never sees a Stripe object. Keys come from the
environment through settings (docs/configuration.md) and are never logged.

`api_base` points the client at another server speaking Stripe's API: localstripe and the test
suite's stand-in (tests/stripe_standin) in tests, api.stripe.com (the default) in production.
"""

from __future__ import annotations

import json
import logging
from typing import Any, ClassVar
from urllib.parse import urlsplit

import stripe
from django.urls import reverse

from proofsheet.core.money import exponent
from proofsheet.orders.services import order_access_url
from proofsheet.payments.providers.base import (
    AccountState,
    CardSession,
    IntentState,
    NextStep,
    PaymentDeclined,
    PaymentProvider,
    PaymentUnavailable,
    ProviderConfigError,
    ProviderEvent,
    RefundResult,
    RefundTooLarge,
    WebhookRejected,
)

logger = logging.getLogger(__name__)

WEBHOOK_TOLERANCE_SECONDS = 300  # Stripe's default: an older signature is a replay


def to_minor(amount, currency: str) -> int:
    """A Decimal amount in the currency's minor units (EUR 12.34 → 1234, JPY 1200 → 1200)."""
    return int(amount.scaleb(exponent(currency)).to_integral_value())


class StripeProvider(PaymentProvider):
    name = "stripe"
    option_names = frozenset(
        {
            "secret_key",
            "publishable_key",
            "webhook_secret",
            "connect_webhook_secret",
            "api_base",
            "js_url",
            "element",
            "automatic_methods",
            "timeout",
            "max_retries",
        }
    )
    supports_refunds = True
    supports_partial_refunds = True
    supports_saved_methods = True
    supports_webhooks = True
    takes_cards: ClassVar[bool] = True

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        missing = [
            key
            for key in ("secret_key", "publishable_key", "webhook_secret")
            if not options.get(key)
        ]
        if missing:
            raise ProviderConfigError(
                "Stripe needs " + ", ".join(f"STRIPE_{key.upper()}" for key in missing)
            )
        if options.get("element", "payment") not in ("payment", "card"):
            raise ProviderConfigError("STRIPE_ELEMENT is 'payment' (the default) or 'card'")
        base = options.get("api_base") or stripe.DEFAULT_API_BASE
        self.client = stripe.StripeClient(
            options["secret_key"],
            base_addresses={"api": base},
            # Retries reuse the request's Idempotency-Key, so a retried create is the same object.
            max_network_retries=int(options.get("max_retries", 2)),
            http_client=stripe.RequestsClient(timeout=float(options.get("timeout", 20))),
        )

    # --- starting and paying ---------------------------------------------------------------

    def start(self, order) -> NextStep:
        """Nothing is asked of Stripe at checkout: the payment page creates the PaymentIntent,
        so a Stripe outage never stops an order being placed (it waits, pending)."""
        return NextStep(
            kind="card",
            text="Pay by card to complete your order.",
            url=order_access_url(order) + "pay/",
        )

    def session(self) -> CardSession:
        return CardSession(
            publishable_key=self.options["publishable_key"],
            js_url=self.options.get("js_url") or "https://js.stripe.com/v3/",
            element=self.options.get("element", "payment"),
        )

    def setup_create(self, *, customer: str = "") -> str:
        """A SetupIntent's client secret: the card form turns the card into a PaymentMethod
        with it (the card Element's way; with a customer, the card is saved for next time)."""
        params: dict[str, Any] = {"payment_method_types": ["card"]}
        if customer:
            params["customer"] = customer
        return self._call(self.client.v1.setup_intents.create, params).client_secret

    def intent_create(
        self,
        order,
        *,
        attempt: int,
        payment_method: str,
        customer: str = "",
        save_method: bool = False,
        return_url: str = "",
        application_fee: int | None = None,
        destination: str = "",
    ) -> IntentState:
        """Create and confirm the attempt's PaymentIntent for the order's server-computed total,
        with the card the browser collected (`pm_…`).

        Marketplace: `destination` (acct_…) receives the charge less `application_fee` (minor
        units), the platform's commission (a destination charge)."""
        params: dict[str, Any] = {
            "amount": to_minor(order.total, order.currency),
            "currency": order.currency.lower(),
            "metadata": {"order": str(order.public_id), "order_number": order.number},
            "payment_method": payment_method,
            "confirm": True,
            "expand": ["payment_method"],  # the card's brand and last 4 in the same answer
        }
        if self.options.get("automatic_methods", True):
            # Every method the operator's Stripe account enables (wallets, SEPA, iDEAL, …);
            # those that leave for the bank's page come back to `return_url`.
            params["automatic_payment_methods"] = {"enabled": True}
            params["return_url"] = return_url
        else:
            params["payment_method_types"] = ["card"]
        if customer:
            params["customer"] = customer
            if save_method:
                params["setup_future_usage"] = "off_session"
        if destination:
            params["transfer_data"] = {"destination": destination}
            if application_fee:
                params["application_fee_amount"] = application_fee
        intent = self._call(
            self.client.v1.payment_intents.create,
            params,
            {"idempotency_key": f"order-{order.public_id}-attempt-{attempt}"},
        )
        return self._state(intent)

    def customer_create(self, *, email: str, user_public_id: str) -> str:
        customer = self._call(
            self.client.v1.customers.create,
            {"email": email, "metadata": {"user": user_public_id}},
            {"idempotency_key": f"customer-{user_public_id}"},
        )
        return customer.id

    def methods_list(self, customer: str) -> list[dict]:
        """The customer's saved cards: [{"id", "brand", "last4", "exp"}]."""
        found = self._call(
            self.client.v1.payment_methods.list, {"customer": customer, "type": "card"}
        )
        methods = []
        for pm in found.data:
            card = pm.to_dict().get("card") or {}
            exp = f"{card['exp_month']:02d}/{card['exp_year']}" if card.get("exp_year") else ""
            methods.append(
                {
                    "id": pm.id,
                    "brand": card.get("brand", ""),
                    "last4": card.get("last4", ""),
                    "exp": exp,
                }
            )
        return methods

    def method_attach(self, payment_method: str, customer: str) -> None:
        """Keep a card for the customer (where a SetupIntent for them has not already)."""
        self._call(self.client.v1.payment_methods.attach, payment_method, {"customer": customer})

    def method_detach(self, payment_method: str) -> None:
        self._call(self.client.v1.payment_methods.detach, payment_method)

    def intent_get(self, reference: str) -> IntentState:
        return self._state(
            self._call(
                self.client.v1.payment_intents.retrieve,
                reference,
                {"expand": ["payment_method"]},
            )
        )

    def intent_cancel(self, reference: str) -> IntentState:
        return self._state(self._call(self.client.v1.payment_intents.cancel, reference))

    def refund(
        self,
        *,
        reference: str,
        amount,
        currency: str,
        idempotency_key: str,
        metadata: dict,
        reverse_transfer: bool = False,
    ) -> RefundResult:
        """Refund `amount` of the PaymentIntent. `reverse_transfer` (a marketplace charge): take
        the same share back from the seller's transfer and give back the same share of the
        platform's fee, as Stripe does in proportion."""
        params: dict[str, Any] = {
            "payment_intent": reference,
            "amount": to_minor(amount, currency),
            "metadata": metadata,
        }
        if reverse_transfer:
            params["reverse_transfer"] = True
            params["refund_application_fee"] = True
        refund = self._call(
            self.client.v1.refunds.create, params, {"idempotency_key": idempotency_key}
        )
        reversal = refund.to_dict().get("transfer_reversal") or ""
        return RefundResult(
            reference=refund.id,
            status=refund.status or "succeeded",
            transfer_reversal=reversal if isinstance(reversal, str) else str(reversal.get("id")),
        )

    # --- marketplace (Stripe Connect) -------------------------------------------------------

    def account_create(self, *, user_public_id: str, email: str) -> AccountState:
        """The photographer's Express account, created once: the idempotency key is theirs, so
        a retried or repeated call (a double click, a retry after a 5xx) is the same account."""
        account = self._call(
            self.client.v1.accounts.create,
            {
                "type": "express",
                "email": email,
                "capabilities": {
                    "card_payments": {"requested": True},
                    "transfers": {"requested": True},
                },
                "metadata": {"user": user_public_id},
            },
            {"idempotency_key": f"connect-account-{user_public_id}"},
        )
        return self.account_state(account)

    def account_link(self, reference: str, *, refresh_url: str, return_url: str) -> str:
        """A fresh onboarding link (Stripe's hosted pages; it expires within minutes, so one is
        made each time the photographer asks)."""
        link = self._call(
            self.client.v1.account_links.create,
            {
                "account": reference,
                "refresh_url": refresh_url,
                "return_url": return_url,
                "type": "account_onboarding",
            },
        )
        return str(link.url)

    def onboarding_origins(self) -> list[str]:
        """Where onboarding links lead (Stripe's hosted pages; the API base's own origin when
        another server stands in for Stripe): the "Get paid" form's CSP lets it go there."""
        origins = ["https://connect.stripe.com"]
        parts = urlsplit(self.options.get("api_base") or "")
        if parts.scheme and parts.netloc:
            origins.append(f"{parts.scheme}://{parts.netloc}")
        return origins

    def account_get(self, reference: str) -> AccountState:
        return self.account_state(self._call(self.client.v1.accounts.retrieve, reference))

    def account_state(self, found) -> AccountState:
        """An account object (from the API or an `account.updated` event) as plain values."""
        account = found.to_dict() if isinstance(found, stripe.StripeObject) else found
        requirements = account.get("requirements") or {}
        return AccountState(
            reference=str(account["id"]),
            charges_enabled=bool(account.get("charges_enabled")),
            payouts_enabled=bool(account.get("payouts_enabled")),
            details_submitted=bool(account.get("details_submitted")),
            requirements=tuple(str(x) for x in requirements.get("currently_due") or ()),
            disabled_reason=str(requirements.get("disabled_reason") or ""),
        )

    # --- webhooks --------------------------------------------------------------------------

    def webhook_path(self) -> str:
        return reverse("storefront:payment_webhook", args=[self.name])

    def event_verify(self, body: bytes, headers) -> ProviderEvent:
        """Check the Stripe-Signature header against the endpoint secret (five minutes of
        tolerance) and read the event; anything else is WebhookRejected."""
        try:
            self._verify(body.decode("utf-8"), headers.get("Stripe-Signature"))
            event = json.loads(body)
            return ProviderEvent(
                id=str(event["id"]),
                type=str(event["type"]),
                data=dict(event["data"]["object"]),
                account=str(event.get("account") or ""),
            )
        except (stripe.SignatureVerificationError, UnicodeDecodeError) as exc:
            raise WebhookRejected("The signature does not match this endpoint's secret.") from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise WebhookRejected("The body is not a Stripe event.") from exc

    def _verify(self, payload: str, header) -> None:
        """The endpoint's own secret, or (marketplace) the Connect endpoint's: Stripe signs
        connected accounts' events with the secret of the endpoint registered for Connect."""
        secrets = [self.options["webhook_secret"], self.options.get("connect_webhook_secret")]
        secrets = [secret for secret in secrets if secret]
        for number, secret in enumerate(secrets, start=1):
            try:
                stripe.WebhookSignature.verify_header(
                    payload, header, secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
                )
                return
            except stripe.SignatureVerificationError:
                if number == len(secrets):
                    raise

    def event_intent(self, data: dict) -> IntentState:
        """The PaymentIntent a `payment_intent.*` event carries."""
        return self._state(data)

    # --- helpers ---------------------------------------------------------------------------

    def _call(self, method, *args):
        try:
            return method(*args)
        except stripe.CardError as exc:
            raise PaymentDeclined(exc.user_message or "The card was declined.") from exc
        except stripe.InvalidRequestError as exc:
            message = exc.user_message or str(exc)
            if "greater than" in message or "already been refunded" in message:
                raise RefundTooLarge(message) from exc
            logger.error("Stripe refused a request: %s", message)
            raise PaymentUnavailable(
                "The payment service refused the request; the order stays as it was."
            ) from exc
        except stripe.StripeError as exc:  # connection, 5xx, rate limit, authentication
            logger.error("Stripe could not be reached: %s", type(exc).__name__)
            raise PaymentUnavailable(
                "Card payments cannot be reached just now. Your order is kept; try again in a "
                "minute."
            ) from exc

    def _state(self, found) -> IntentState:
        intent = found.to_dict() if isinstance(found, stripe.StripeObject) else found
        brand = last4 = method = ""
        pm = intent.get("payment_method")
        if isinstance(pm, str) and intent.get("status") == "succeeded":
            # Events carry the method's id only (our own calls expand it): one more request.
            try:
                pm = self.client.v1.payment_methods.retrieve(pm).to_dict()
            except stripe.StripeError:
                logger.warning("could not read the payment method of %s", intent.get("id"))
        if isinstance(pm, dict):
            method = pm.get("type") or ""
            card = pm.get("card") or {}
            brand, last4 = card.get("brand") or "", card.get("last4") or ""
        error = intent.get("last_payment_error") or {}
        return IntentState(
            reference=intent["id"],
            status=intent["status"],
            amount=int(intent["amount"]),
            currency=str(intent["currency"]).upper(),
            order_public_id=(intent.get("metadata") or {}).get("order", ""),
            client_secret=intent.get("client_secret") or "",
            method=method,
            card_brand=brand,
            card_last4=last4,
            failure=(error.get("message") or "") if isinstance(error, dict) else "",
        )
