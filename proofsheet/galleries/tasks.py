from proofsheet.core.tasks import retrying_task
from proofsheet.galleries.services import photo_process, photo_processing_failed

MAX_ATTEMPTS = 3


@retrying_task(max_attempts=MAX_ATTEMPTS, backoff_seconds=10)
def process_photo(public_id: str, *, attempt: int = 1) -> str:
    """Render one photo (idempotent). A bad file fails the photo at once; an unexpected error is
    retried, and after the last attempt the photo is marked failed with a generic reason."""
    try:
        return photo_process(public_id)
    except Exception:
        if attempt >= MAX_ATTEMPTS:
            photo_processing_failed(public_id, "Processing failed repeatedly; try again later.")
        raise
