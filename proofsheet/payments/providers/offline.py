"""The `offline` provider: bank transfer or pay later; the seller marks the order paid."""

from __future__ import annotations

from proofsheet.catalog.models import StoreSettings
from proofsheet.payments.providers.base import NextStep, PaymentProvider

DEFAULT_INSTRUCTIONS = (
    "Your photographer will contact you with payment details. Your order is reserved until then."
)


class OfflineProvider(PaymentProvider):
    name = "offline"
    option_names = frozenset({"instructions"})
    # The seller pays the money back outside Proofsheet and records it: a whole refund only.
    supports_refunds = True

    def start(self, order) -> NextStep:
        """The seller's payment instructions (or the configured default) with the order number."""
        store = StoreSettings.objects.filter(owner_id=order.seller_id).first()
        text = (store.payment_instructions.strip() if store else "") or self.options.get(
            "instructions", DEFAULT_INSTRUCTIONS
        )
        return NextStep(kind="instructions", text=f"{text}\n\nReference: {order.number}")
