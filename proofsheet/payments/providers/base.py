"""The payment-provider interface: every provider (offline, later Stripe) implements it.

A provider declares what it can do with `supports_*` class attributes (the way Django's task
backends declare `supports_defer`); `payments.services` refuses, with the code
`payment_unsupported`, what the order's provider cannot do.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar


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
class WebhookResult:
    """What a verified webhook said about an order (for providers that have webhooks)."""

    order_public_id: str
    event: str  # "succeeded" | "failed" | "refunded"
    reference: str = ""


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

    def handle_webhook(self, body: bytes, headers: dict[str, str]) -> WebhookResult | None:
        """Verify and parse a webhook call; None when the provider has no webhooks."""
        return None
