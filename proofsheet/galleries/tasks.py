from proofsheet.core.tasks import retrying_task
from proofsheet.galleries.processing import (
    gallery_renditions_rekey,
    photo_process,
    photo_processing_failed,
)

MAX_ATTEMPTS = 3


def _give_up(public_id: str) -> None:
    photo_processing_failed(public_id, "Processing failed repeatedly; try again later.")


@retrying_task(max_attempts=MAX_ATTEMPTS, backoff_seconds=10, on_give_up=_give_up)
def process_photo(public_id: str, *, attempt: int = 1) -> str:
    """Render one photo (idempotent). A bad file fails the photo at once; an unexpected error is
    retried, and once abandoned (attempts spent, or its workers kept dying) the photo is failed."""
    return photo_process(public_id)


@retrying_task(max_attempts=5, backoff_seconds=10)
def rekey_renditions(gallery_id: int, old_salt: str, *, attempt: int = 1) -> int:
    """Move a gallery's renditions to its new media salt (idempotent: moved photos are skipped)."""
    return gallery_renditions_rekey(gallery_id, old_salt)
