"""What every /api/v1 module shares: the request body base, who is calling, lookups as 404s.

Endpoint modules are named by their audience (`studio_*` for photographers, `client_*` for
gallery visitors and buyers) and import only from here and from the layers below, never each
other's private helpers. Refusals are raised as domain errors (`core.errors`); the handlers in
`api.errors` give them their status and shape.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Any, get_type_hints

from allauth.headless.contrib.ninja.security import XSessionTokenAuth
from django.http import JsonResponse
from ninja import Header, P, Schema
from ninja.utils import check_csrf
from pydantic import field_validator

from proofsheet.accounts.services import seller_required
from proofsheet.api.errors import ErrorOut, error_body
from proofsheet.core.errors import DomainError, Forbidden, NotFound
from proofsheet.core.http import quiet
from proofsheet.core.money import amount_text, number_text
from proofsheet.galleries import access, client_selectors
from proofsheet.galleries.access import Access
from proofsheet.galleries.models import Gallery, Photo

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

GalleryToken = Header[
    str | None,
    P(
        alias="X-Gallery-Token",
        description="The token from POST /client/galleries/{gallery_id}/access (omit it if none).",
    ),
]


def errors(*statuses: int) -> dict[int, Any]:
    """The error responses an operation documents: `response={200: X} | errors(404, 409)`."""
    return dict.fromkeys(statuses, ErrorOut)


def money_text(amount: Decimal | None, currency: str) -> str | None:
    """An amount as the API sends it: a string with the currency's decimals ("12.50", "1500")."""
    return None if amount is None else amount_text(amount, currency)


def plain_number(value: Decimal | None) -> str | None:
    """8.00 → "8", 8.50 → "8.5", 19.000 → "19" (never "1.9E+1"): sizes, rates, percentages."""
    return None if value is None else number_text(value)


# --- request bodies ------------------------------------------------------------------------------


def _check_text(value: Any) -> Any:
    """Text must be storable everywhere: no NUL (PostgreSQL cannot hold it) and no lone UTF-16
    surrogate (JSON's "\\ud800" decodes to a str no database or email can encode)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("Null characters are not allowed.")
        if any("\ud800" <= ch <= "\udfff" for ch in value):
            raise ValueError("The text holds an invalid character (a lone surrogate).")
    elif isinstance(value, (list, tuple)):
        for item in value:
            _check_text(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_text(item)
    return value


class Input(Schema):
    """Base of every request body: text is checked before any service sees it."""

    @field_validator("*", mode="before")
    @classmethod
    def reject_unstorable_text(cls, value):
        return _check_text(value)


# --- who is calling ------------------------------------------------------------------------------

_session_token_auth = XSessionTokenAuth()


def acting_user(request):
    """The authenticated user of an operation that requires one (token or browser session)."""
    return request.auth if hasattr(request.auth, "role") else request.user


def seller(request):
    """The authenticated photographer (or admin); anyone else is refused (`seller_only`)."""
    user = acting_user(request)
    seller_required(user)
    return user


def signed_in_user(request):
    """For operations open to visitors (`auth=None`): the signed-in user, or None.

    An app session token, or the browser session; ninja checks CSRF only for cookie-auth
    classes, which these operations have none of, so on unsafe methods the browser session counts
    only with a valid CSRF token (a cross-site form cannot act in the user's name).
    """
    if request.headers.get("X-Session-Token"):
        return _session_token_auth(request)  # None for an unknown or revoked token
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    if request.method not in SAFE_METHODS and check_csrf(request) is not None:
        return None
    return user


# --- lookups -------------------------------------------------------------------------------------


def found(obj):
    """The object, or 404: an unknown id and another photographer's look the same (R01)."""
    if obj is None:
        raise NotFound()
    return obj


def owned[T](get: Callable[[Any, Any], T | None]) -> Callable[[Any, Any], T]:
    """A lookup `(request, public_id) → object` from a selector `get(user, public_id)` of the
    seller's own objects: anyone else's, or none, is a 404 (a non-seller a 403)."""

    def lookup(request, object_id) -> T:
        return found(get(seller(request), object_id))

    return lookup


def public_id(value: str) -> uuid.UUID:
    """A public id from the URL; anything else is a 404 (never a 500)."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound() from None


def visit(request, gallery_id: str, token: str | None) -> Access:
    """The visitor's access to a gallery (`galleries.access` decides; its refusals carry their
    codes: `not_found`, `gallery_expired`, `access_code_required`, `email_required`)."""
    gallery: Gallery = found(client_selectors.gallery_get(gallery_id))
    grant = access.grant_from_token(token) if token else None
    return access.gallery_access(gallery=gallery, user=signed_in_user(request), grant=grant)


def buyer_visit(request, gallery_id: str, token: str | None) -> Access:
    """The visit of someone who may buy in this gallery (a client code, not a guest code)."""
    found_visit = visit(request, gallery_id, token)
    if not found_visit.can_interact:
        raise Forbidden(
            "Ask your photographer for the client code to buy photos.",
            code="client_code_required",
        )
    return found_visit


def visible_photo(gallery: Gallery, photo_id: str) -> Photo:
    """A ready photo of the gallery as its visitors see it, or 404."""
    return found(client_selectors.photo_get(gallery, photo_id))


def token_in_path(view):
    """For operations whose URL holds a secret token: every answer, errors included, is private,
    unlogged and sent without a referrer (R08), so the token never reaches a log."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except DomainError as error:
            response = JsonResponse(error_body(error), status=error.status)
        return quiet(response)

    # ninja reads the parameters' types from the signature; resolve them in the view's module
    # (with postponed annotations they are strings, which ninja would look up in this one).
    hints = get_type_hints(view)
    signature = inspect.signature(view)
    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[
            p.replace(annotation=hints.get(p.name, p.annotation))
            for p in signature.parameters.values()
        ]
    )
    return wrapper
