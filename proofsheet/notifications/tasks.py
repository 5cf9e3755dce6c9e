from proofsheet.core.tasks import retrying_task
from proofsheet.notifications.services import MAX_DELIVERY_ATTEMPTS, email_deliver


@retrying_task(max_attempts=MAX_DELIVERY_ATTEMPTS, backoff_seconds=30)
def deliver_email(public_id: str, *, attempt: int = 1) -> bool:
    """Deliver one outbox message (idempotent: a message already sent is not sent again)."""
    return email_deliver(public_id)
