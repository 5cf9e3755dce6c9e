"""The one exception the imaging layer raises for a file it will not (or cannot) process."""

from __future__ import annotations

from proofsheet.core.errors import Invalid


class RejectedImage(Invalid):
    """An uploaded file is not a photo we accept; `reason` is a sentence for the uploader.

    `cause` (given as `code=`) is a stable machine-readable name for the cause (for logs and the
    upload report); the error's own `code` is the API's: `image_rejected`, or `quota_exceeded`.
    `detail` carries the decoder's own message when there is one: for logs only, never for
    users, since it may quote file paths. `format` and `sha256` are filled in by `inspect_image`
    when known, so the caller can log the structured record R14 asks for.
    """

    def __init__(self, reason: str, *, code: str, detail: str = "") -> None:
        super().__init__(reason, code="quota_exceeded" if code == "quota" else "image_rejected")
        self.reason = reason
        self.cause = code
        self.detail = detail
        self.format: str | None = None
        self.sha256: str | None = None

    def __reduce__(self):  # keep code/detail when pickled across worker processes
        return (_rebuild, (self.reason, self.cause, self.detail, self.format, self.sha256))


def _rebuild(
    reason: str, code: str, detail: str, format: str | None, sha256: str | None
) -> RejectedImage:
    error = RejectedImage(reason, code=code, detail=detail)
    error.format, error.sha256 = format, sha256
    return error
