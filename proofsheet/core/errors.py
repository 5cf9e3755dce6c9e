"""One error model: every refusal a rule makes is a `DomainError` with a stable code.

A domain error carries a machine-readable `code` (a key of `CODES`, never renamed once released),
a `message` written for the person in front of the screen, and optional `fields` (field name →
sentences) for forms and API clients. Interfaces do not translate errors one by one: the API's
exception handler (`api.errors`) answers `{"code", "message", "fields"}` with the code's status,
and the HTML side (`core.web`) shows the message with the same status. So one rule refuses the
same way on every road.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError


class Code(NamedTuple):
    status: int
    meaning: str


# Every code a client may see, its HTTP status and what it means (docs/api.md lists them; a test
# keeps the two in step). The general codes come first; the specific ones name a rule.
CODES: dict[str, Code] = {
    "bad_request": Code(400, "The request is malformed."),
    "invalid": Code(422, "The request breaks a rule; `fields` names the fields when it can."),
    "not_authenticated": Code(401, "Log in, or send a valid X-Session-Token."),
    "forbidden": Code(403, "You may not do this."),
    "not_found": Code(404, "No such object here, or it is not yours."),
    "method_not_allowed": Code(405, "This address does not take that method."),
    "conflict": Code(409, "The object's present state does not allow this."),
    "in_use": Code(409, "It is still used (by galleries, orders or clients), so it stays."),
    "gone": Code(410, "It existed, but is no longer available."),
    "too_large": Code(413, "The request body is larger than the limit."),
    "rate_limited": Code(429, "Too many attempts; wait a little and try again."),
    "server_error": Code(500, "Something went wrong on our side; it has been logged."),
    # accounts
    "seller_only": Code(403, "Only photographers (and admins) can do this."),
    # gallery access
    "access_code_required": Code(403, "A private gallery: enter its access code first."),
    "access_code_rejected": Code(403, "That code does not open this gallery."),
    "download_pin_rejected": Code(403, "That PIN is not the gallery's download PIN."),
    "email_required": Code(403, "The gallery asks for the visitor's email first."),
    "client_code_required": Code(403, "A guest (view-only) code cannot do this."),
    "gallery_expired": Code(410, "The gallery has expired."),
    # photos and proofing
    "image_rejected": Code(422, "The file is not a photo Proofsheet accepts."),
    "quota_exceeded": Code(409, "The photographer's storage quota is full."),
    "photo_sold": Code(409, "Clients bought downloads of it; their orders still deliver it."),
    "list_locked": Code(409, "The list was sent to the photographer and is locked."),
    "downloads_off": Code(403, "The photographer has not made downloads free here."),
    "originals_off": Code(403, "The photographer does not offer the original files."),
    "download_pin_required": Code(403, "Enter the gallery's download PIN first."),
    "nothing_to_download": Code(404, "No photo is ready to download."),
    "too_many_photos": Code(422, "Too many photos for one archive; download a set at a time."),
    # buying
    "not_for_sale": Code(409, "That is not sold here (any more)."),
    "option_required": Code(422, "Choose an option of each required group."),
    "option_invalid": Code(422, "Options of another product, or two of one group."),
    "quantity_invalid": Code(422, "The quantity must be a whole number in the allowed range."),
    "cart_other_seller": Code(409, "The cart holds another photographer's (or currency's) items."),
    "cart_empty": Code(409, "The cart is empty (or had expired)."),
    "cart_out_of_date": Code(409, "The cart changed under the request; look at it again."),
    "out_of_stock": Code(409, "Not enough of a limited product is left."),
    "discount_rejected": Code(422, "The discount code cannot be used on this cart."),
    "shipping_unavailable": Code(422, "No chosen shipping method delivers to that address."),
    # orders, payments, downloads
    "transition_not_allowed": Code(409, "The order's status does not allow this change."),
    "payment_unsupported": Code(409, "The order's payment provider cannot do this."),
    "payment_declined": Code(402, "The payment was declined; try another card or method."),
    "payment_unavailable": Code(503, "The payment service cannot be reached; nothing was lost."),
    "refund_too_large": Code(422, "More than what is left to refund on the payment."),
    "webhook_rejected": Code(400, "The webhook's signature or body is not valid."),
    "download_gone": Code(410, "The download link has expired, been used up or revoked."),
}


class DomainError(Exception):
    """A rule refused the request; `message` is for the person, `code` for programs."""

    code: str = "invalid"  # the class's code; an instance may name a more specific one

    def __init__(
        self,
        message: str = "",
        *,
        code: str | None = None,
        fields: Mapping[str, str | list[str]] | None = None,
    ) -> None:
        chosen = code or type(self).code
        if chosen not in CODES:
            raise ValueError(f"unknown error code {chosen!r}: add it to core.errors.CODES")
        self.code = chosen
        self.fields = {name: _sentences(value) for name, value in (fields or {}).items()}
        if not message and self.fields:
            message = " ".join(m for messages in self.fields.values() for m in messages)
        self.message = message or CODES[chosen].meaning
        super().__init__(self.message)

    @property
    def status(self) -> int:
        return CODES[self.code].status


def _sentences(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return [str(value)]


class Invalid(DomainError):
    """Input that breaks a rule. Takes what Django's ValidationError takes: a sentence, a list of
    sentences, or {field: sentence(s)}, so a form can put each sentence beside its field."""

    code = "invalid"

    def __init__(
        self,
        message: str | list[str] | Mapping[str, str | list[str]] = "",
        *,
        code: str | None = None,
        fields: Mapping[str, str | list[str]] | None = None,
    ) -> None:
        if isinstance(message, Mapping):
            fields, message = {**message, **(fields or {})}, ""
        elif isinstance(message, (list, tuple)):
            message = " ".join(str(m) for m in message)
        super().__init__(message, code=code, fields=fields)

    @classmethod
    def from_validation_error(cls, error: ValidationError) -> Invalid:
        """Django's ValidationError (a model's full_clean, a validator) as our Invalid."""
        if hasattr(error, "error_dict"):
            return cls(fields=error.message_dict)
        return cls(" ".join(error.messages))


class Forbidden(DomainError):
    code = "forbidden"


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    code = "conflict"


class Gone(DomainError):
    code = "gone"


class RateLimited(DomainError):
    code = "rate_limited"


def as_domain_error(error: Exception) -> DomainError | None:
    """`error` as a DomainError when it is one of Django's refusals; None for a real failure."""
    from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
    from django.http import Http404

    if isinstance(error, DomainError):
        return error
    if isinstance(error, ValidationError):
        return Invalid.from_validation_error(error)
    if isinstance(error, PermissionDenied):
        return Forbidden(str(error))
    if isinstance(error, (Http404, ObjectDoesNotExist)):
        return NotFound()
    return None
