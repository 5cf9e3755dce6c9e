"""The payment-provider interface: every provider (offline, later Stripe) implements it.

A provider declares what it can do with `supports_*` class attributes (the way Django's task
backends declare `supports_defer`); `payments.services` refuses, with the code
`payment_unsupported`, what the order's provider cannot do.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from proofsheet.core.errors import DomainError, Invalid


class ProviderConfigError(ValueError):
    """The provider's OPTIONS are not ones it understands (reported by the system check)."""


@dataclass(frozen=True)
class NextStep:
    """What the buyer does next to pay: read instructions, follow a redirect, or nothing."""

    kind: str  # "instructions" | "redirect" | "none"
    text: str = ""
    url: str = ""


NOTHING_TO_DO = NextStep(kind="none")


@dataclass(frozen=True)
class CardSession:
    """What the payment page needs to load the provider's card form for one attempt."""

    publishable_key: str
    js_url: str
    element: str  # "payment" (Stripe's Payment Element) or "card" (the card Element)


@dataclass(frozen=True)
class IntentState:
    """A provider's payment attempt as it stands (a Stripe PaymentIntent), in plain values."""

    reference: str
    status: str  # Stripe's: requires_payment_method, requires_action, processing, succeeded, …
    amount: int  # minor units
    currency: str  # upper case, as orders keep it
    order_public_id: str
    client_secret: str = ""
    method: str = ""
    card_brand: str = ""
    card_last4: str = ""
    failure: str = ""  # why the last try failed, in the provider's words for the buyer


@dataclass(frozen=True)
class RefundResult:
    reference: str
    status: str
    transfer_reversal: str = ""  # marketplace: the reversal of the seller's transfer (trr_…)


@dataclass(frozen=True)
class AccountState:
    """A photographer's connected account at the provider (Stripe Connect), in plain values."""

    reference: str  # acct_…
    charges_enabled: bool = False
    payouts_enabled: bool = False
    details_submitted: bool = False
    requirements: tuple[str, ...] = ()  # what the provider needs now (requirements.currently_due)
    disabled_reason: str = ""


@dataclass(frozen=True)
class ProviderEvent:
    """A verified webhook event: its id (stored once), type and object."""

    id: str
    type: str
    data: dict
    account: str = ""  # the connected account it happened on (marketplace), if any


class PaymentDeclined(DomainError):
    code = "payment_declined"


class PaymentUnavailable(DomainError):
    """The provider could not be reached or answered with an error: nothing changed here."""

    code = "payment_unavailable"


class RefundTooLarge(Invalid):
    code = "refund_too_large"


class WebhookRejected(DomainError):
    code = "webhook_rejected"


class PaymentProvider(ABC):
    """Base class. Subclasses list the OPTIONS they accept; anything else is an error."""

    name: ClassVar[str] = ""
    option_names: ClassVar[frozenset[str]] = frozenset()
    # What the provider can do; a service asked for anything else refuses (payment_unsupported).
    supports_refunds: ClassVar[bool] = False
    supports_partial_refunds: ClassVar[bool] = False
    supports_saved_methods: ClassVar[bool] = False
    supports_webhooks: ClassVar[bool] = False

    def __init__(self, **options: Any) -> None:
        unknown = set(options) - set(self.option_names)
        if unknown:
            raise ProviderConfigError(
                f"{type(self).__name__} does not understand option(s) {', '.join(sorted(unknown))}"
            )
        self.options = options

    @abstractmethod
    def start(self, order) -> NextStep:
        """Begin paying `order`: return the next step for the buyer.

        Called once per order (`payments.services.payment_start` stores the step on the
        Payment); pages read the stored step and never call this.
        """

    # Card providers (Stripe) also take cards, refunds and events; see providers/stripe.py.
    takes_cards: ClassVar[bool] = False

    def event_verify(self, body: bytes, headers) -> ProviderEvent:
        """Check a webhook call's signature and read its event (providers with webhooks)."""
        raise NotImplementedError

    def event_intent(self, data: dict) -> IntentState:
        """The payment attempt a verified event carries (providers with webhooks)."""
        raise NotImplementedError
