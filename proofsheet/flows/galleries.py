"""Making and changing a gallery, written once for the studio, the API, `proofsheet import` and
the demo: the gallery itself, the price sheet it sells from, and a private gallery's client code.

A code is stored only as a keyed hash, so the flow hands the new code back once, for the
interface to show (a flash message, the API's `client_code`, the command's output).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from django.db import transaction

from proofsheet.accounts.models import User
from proofsheet.catalog import sheets
from proofsheet.catalog.models import PriceSheet
from proofsheet.core.errors import NotFound
from proofsheet.galleries import access, selectors, services
from proofsheet.galleries.models import Gallery, Visibility


class _Choice:
    """A price-sheet argument the caller did not give (see the two constants below)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


# `price_sheet=` when the caller chose nothing: a new gallery sells from the owner's default
# sheet (if they have one); a changed gallery keeps the sheet it has.
OWNER_DEFAULT: Final = _Choice("OWNER_DEFAULT")
UNCHANGED: Final = _Choice("UNCHANGED")
SheetChoice = PriceSheet | None | _Choice


@dataclass(frozen=True)
class GallerySaved:
    """The gallery, and its new client code when this call made one (shown once)."""

    gallery: Gallery
    client_code: str | None = None
    created: bool = False


@transaction.atomic
def gallery_create(
    *, owner: User, title: str, price_sheet: SheetChoice = OWNER_DEFAULT, **fields: Any
) -> GallerySaved:
    """Create a gallery that sells from `price_sheet` (None: nothing); private ones get a code."""
    gallery = services.gallery_create(owner=owner, title=title, **fields)
    if isinstance(price_sheet, _Choice):
        sheets.gallery_pricing_assign_default(gallery)
    else:
        sheets.gallery_pricing_set(gallery=gallery, sheet=price_sheet)
    return GallerySaved(gallery=gallery, client_code=_client_code_if_missing(gallery), created=True)


def gallery_get_or_create(*, owner: User, title: str, **fields: Any) -> GallerySaved:
    """The owner's gallery with this title as it is, or a new one made by `gallery_create`."""
    existing = selectors.gallery_get_titled(owner, title)
    if existing is not None:
        return GallerySaved(gallery=existing)
    return gallery_create(owner=owner, title=title, **fields)


@transaction.atomic
def gallery_update(
    *,
    gallery: Gallery,
    price_sheet: SheetChoice = UNCHANGED,
    cover_photo_id: Any = None,
    **fields: Any,
) -> GallerySaved:
    """Change a gallery's fields, cover photo (one of its photos) and price sheet; a gallery that
    is private without a client code (just switched to private) gets one."""
    if fields:
        services.gallery_update(gallery=gallery, **fields)
    if cover_photo_id is not None:
        photo = selectors.photo_get(gallery, cover_photo_id)
        if photo is None:
            raise NotFound("The cover must be one of this gallery's photos.")
        services.gallery_set_cover(gallery=gallery, photo=photo)
    if not isinstance(price_sheet, _Choice):
        sheets.gallery_pricing_set(gallery=gallery, sheet=price_sheet)
    return GallerySaved(gallery=gallery, client_code=_client_code_if_missing(gallery))


def _client_code_if_missing(gallery: Gallery) -> str | None:
    """A private gallery cannot be opened without a client code: make one if it has none."""
    if gallery.visibility != Visibility.PRIVATE or gallery.client_code_hash:
        return None
    return access.gallery_rotate_access_code(gallery=gallery, kind=access.CLIENT)
