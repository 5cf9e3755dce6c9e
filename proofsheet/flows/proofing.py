"""A visitor's way into a gallery and the picks they make there, written once for the storefront's
pages and the client API. `galleries.access` decides who may see what and `galleries.proofing`
writes; this module puts the steps of each use case in their one order.

Lists (create, submit) and comment deletion are one service call for every interface, so they
have no flow here: the interfaces call `galleries.proofing` directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from proofsheet.core.errors import DomainError, Invalid, NotFound
from proofsheet.galleries import access, client_selectors, proofing
from proofsheet.galleries.access import Access, AccessDenied
from proofsheet.galleries.models import Gallery, Photo, PhotoComment, Visibility

BAD_EMAIL = "Enter an email address like name@example.com."
MAX_EMAIL = 254  # what GalleryVisitor.email (an EmailField) holds


@dataclass(frozen=True)
class Entry:
    """What entering gave: the grant to keep (session or token), and the heart that sent the
    visitor to give their email, saved now (`favourite`) or not, and why (`refusal`)."""

    grant: dict
    favourite: Photo | None = None
    refusal: DomainError | None = None


def code_needed(*, gallery: Gallery, grant: dict | None) -> bool:
    """A private gallery opens only with its code: without a grant, an email gets nowhere."""
    return gallery.visibility == Visibility.PRIVATE and not grant


def gallery_enter(
    *,
    gallery: Gallery | None,
    ip: str,
    grant: dict | None = None,
    code: str | None = None,
    email: str | None = None,
    user: Any = None,
    favourite: str = "",
    list_id: Any = None,
) -> Entry:
    """The grant a visitor holds after giving a code and/or an email.

    `code` and `email` are None when not given; a code given (even empty) is checked, and each
    guess counts against the throttle. With `gallery` None the code alone finds its gallery (the
    home page's box). A private gallery needs its code, or a grant to add the email to; public
    and unlisted ones ignore codes, and an email makes them a fresh grant. `favourite` (a photo
    id) is the heart to save once the email is given, in `list_id` (the default list if empty).
    """
    address = _address(email)
    if gallery is None:
        return Entry(grant=access.gallery_code_exchange(gallery=None, code=code or "", ip=ip))
    if gallery.visibility != Visibility.PRIVATE:
        # Anyone may visit: a new email makes a fresh grant (never one with a stale stamp).
        if address is not None or grant is None:
            grant = access.grant_with_email(None, gallery, address or "")
    else:
        if code is not None:
            grant = access.gallery_code_exchange(gallery=gallery, code=code, ip=ip)
        if not grant:  # a private gallery opens only with its code (`code_needed`)
            raise AccessDenied("code")
        if address is not None:
            grant = access.grant_with_email(grant, gallery, address)
    if not favourite or address is None:
        return Entry(grant=grant)
    return _favourite_on_entry(gallery, grant, user, favourite, list_id)


def _address(email: str | None) -> str | None:
    if email is None:
        return None
    address = email.strip()
    try:
        validate_email(address)
    except ValidationError:
        raise Invalid({"email": BAD_EMAIL}) from None
    if len(address) > MAX_EMAIL:  # what a visitor record holds (validate_email allows 320)
        raise Invalid({"email": BAD_EMAIL})
    return address


def _favourite_on_entry(gallery, grant, user, photo_id, list_id) -> Entry:
    """Save the heart that asked for the email. The entry stands whatever happens to it."""
    photo = client_selectors.photo_get(gallery, photo_id)
    if photo is None:
        return Entry(grant=grant)
    try:
        visit = access.gallery_access(gallery=gallery, user=user, grant=grant)
        proofing.favourite_set(access=visit, photo=photo, on=True, list_id=list_id)
    except AccessDenied:  # still something to give (an email the gallery wants): asked next
        return Entry(grant=grant)
    except DomainError as refused:  # a guest code, a locked or stale list
        return Entry(grant=grant, refusal=refused)
    return Entry(grant=grant, favourite=photo)


def favourite_set(*, access: Access, photo_id: Any, on: bool, list_id: Any = None) -> Photo:
    """Put a photo the visitor can see in one of their lists (Favourites when `list_id` is
    empty), or take it out; return the photo. Guests and visitors without an email are refused
    (`client_code_required`, `email_required`), as is a locked list or one not theirs."""
    photo = _visible_photo(access.gallery, photo_id)
    proofing.favourite_set(access=access, photo=photo, on=on, list_id=list_id)
    return photo


def comment_add(*, access: Access, photo_id: Any, body: str) -> PhotoComment:
    """Comment on a photo the visitor can see; the photographer is told."""
    photo = _visible_photo(access.gallery, photo_id)
    return proofing.photo_comment_add(access=access, photo=photo, body=body)


def _visible_photo(gallery: Gallery, photo_id: Any) -> Photo:
    photo = client_selectors.photo_get(gallery, photo_id)
    if photo is None:
        raise NotFound()
    return photo
