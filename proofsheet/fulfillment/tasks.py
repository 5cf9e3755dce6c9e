from proofsheet.core.tasks import retrying_task
from proofsheet.fulfillment.services import grant_files_prepare


@retrying_task(max_attempts=3, backoff_seconds=30)
def prepare_grant_files(order_id: int, *, attempt: int = 1) -> int:
    """Render an order's purchased files once it is paid (idempotent: made files are kept)."""
    return grant_files_prepare(order_id)
