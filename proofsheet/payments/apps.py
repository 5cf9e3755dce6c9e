from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "proofsheet.payments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from proofsheet.payments import (
            cards,
            checks,  # noqa: F401  (registers the system check)
            disputes,
            ledger,
        )

        # The provider's further event types (cards.event_handle dispatches to them).
        cards.EVENT_HANDLERS.update(
            {
                "charge.dispute.created": disputes.dispute_opened,
                "charge.dispute.closed": disputes.dispute_closed,
                "payout.paid": ledger.payout_paid,
            }
        )
