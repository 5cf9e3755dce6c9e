"""Payment providers for tests, configured through PAYMENT_PROVIDERS like any other."""

from __future__ import annotations

from proofsheet.payments.providers.base import NextStep, PaymentProvider


class CountingProvider(PaymentProvider):
    """A card-like provider: each start() would open a new payment at the bank, so it counts
    them. It sends the buyer to a payment page and cannot refund."""

    name = "counting"
    starts = 0  # start() calls since the test began (providers are built once per settings)

    def start(self, order) -> NextStep:
        type(self).starts += 1
        return NextStep(kind="redirect", url=f"https://pay.example.test/{order.public_id}")


COUNTING = {"BACKEND": "proofsheet.payments.tests.providers.CountingProvider"}


def use_counting_provider(settings) -> type[CountingProvider]:
    """Make the counting provider the one new orders are paid through (pytest's `settings`)."""
    CountingProvider.starts = 0
    settings.PAYMENT_PROVIDERS = {**settings.PAYMENT_PROVIDERS, "counting": COUNTING}
    settings.PAYMENT_PROVIDER = "counting"
    return CountingProvider
