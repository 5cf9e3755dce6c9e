"""/api/v1 endpoints for gallery visitors: access codes, photos page by page, favourites, comments.

Who the visitor is comes from two places, neither of them required by ninja (`auth=None`):

- a *grant* from `POST …/access`, sent back in the `X-Gallery-Token` header (apps and pages
  alike; a header cannot be forged cross-site, so writes with it need no CSRF token);
- a signed-in user: an allauth app session (`X-Session-Token`) or the browser session. The owner of
  a gallery (or an admin) sees it as "owner". On unsafe methods the browser session counts only
  with a valid CSRF token, so a cross-site form cannot favourite or comment in the user's name.

What each visitor may do is decided by `galleries.access` and `galleries.proofing`; this module
only parses and renders (their refusals carry their own codes: `api.errors`).

The router is mounted at /api/v1/client: the studio router already serves `GET /galleries/{id}`
and `GET /galleries/{id}/photos` for photographers, and two ninja routers cannot share a path (the
first URL pattern wins and answers every method).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from ninja import Field, Header, P, Query, Router, Schema, Status

from proofsheet.api import common
from proofsheet.api.common import ErrorOut, GalleryToken, Input
from proofsheet.api.studio_galleries import RenditionOut
from proofsheet.core.http import client_ip, zip_response
from proofsheet.flows import proofing as flow
from proofsheet.galleries import access, client_selectors, downloads, proofing, selectors
from proofsheet.galleries.access import Access
from proofsheet.galleries.models import (
    FavouriteList,
    Photo,
    PhotoComment,
    PhotoStatus,
)

router = Router(tags=["client galleries"], auth=None)

# Renditions a visitor may fetch; anything else a photo carries stays server-side.
PUBLIC_RENDITIONS = ("thumb", "small", "grid", "preview")
DEFAULT_LIST = "default"

DownloadPin = Header[
    str | None,
    P(
        alias="X-Download-Pin",
        description="The gallery's download PIN, when the photographer set one.",
    ),
]
ListParam = Query[
    str | None,
    P(alias="list", description='A list id, or "default" (the default) for the Favourites list.'),
]

# --- schemas ---------------------------------------------------------------------------------


class AccessIn(Input):
    code: str | None = Field(None, max_length=100)
    email: str | None = Field(None, max_length=254)


class AccessOut(Schema):
    token: str
    role: Literal["client", "guest"]
    gallery_id: uuid.UUID
    email: str


class SetOut(Schema):
    id: uuid.UUID
    name: str


class SelectionRules(Schema):
    min: int | None
    max: int | None
    deadline: dt.datetime | None


class ClientGalleryOut(Schema):
    id: uuid.UUID
    title: str
    description: str
    event_date: dt.date | None
    location: str
    layout: str
    visibility: str
    role: Literal["owner", "client", "guest"]
    email: str
    cover: dict[str, RenditionOut] | None
    sets: list[SetOut]
    selection: SelectionRules
    downloads_enabled: bool


class PhotoItem(Schema):
    id: uuid.UUID
    title: str
    alt: str
    width: int | None
    height: int | None
    renditions: dict[str, RenditionOut]
    placeholder: str
    favourite: bool


class PhotoPageOut(Schema):
    items: list[PhotoItem]
    next_cursor: str | None


class PhotoDetail(PhotoItem):
    caption: str
    set_id: uuid.UUID | None
    previous_id: uuid.UUID | None
    next_id: uuid.UUID | None
    related: list[uuid.UUID]


class ListOut(Schema):
    id: uuid.UUID
    name: str
    count: int
    submitted_at: dt.datetime | None
    locked: bool


class ListIn(Input):
    name: str = Field(max_length=200)


class SubmitIn(Input):
    note: str = Field("", max_length=1000)


class CommentIn(Input):
    body: str = Field(max_length=4000)


class CommentOut(Schema):
    id: uuid.UUID
    photo_id: uuid.UUID
    body: str
    author: str
    mine: bool
    created_at: dt.datetime


# Statuses every gallery-scoped operation can answer with, besides its own.
VISIT_ERRORS: dict[int, Any] = {403: ErrorOut, 404: ErrorOut, 410: ErrorOut}
WRITE_ERRORS: dict[int, Any] = VISIT_ERRORS | {409: ErrorOut, 422: ErrorOut}


def _list_id(value: str | None) -> uuid.UUID | None:
    """None for the default list ("default" or nothing), else the list's id."""
    if not value or value == DEFAULT_LIST:
        return None
    return common.public_id(value)


# --- rendering ---------------------------------------------------------------------------------


def _renditions(photo: Photo) -> dict[str, RenditionOut]:
    public = selectors.photo_renditions_public(photo)
    return {name: RenditionOut(**public[name]) for name in PUBLIC_RENDITIONS if name in public}


def _photo_item(photo: Photo, favourite: bool) -> dict:
    return {
        "id": photo.public_id,
        "title": photo.title,
        "alt": photo.alt_text,
        "width": photo.width,
        "height": photo.height,
        "renditions": _renditions(photo),
        "placeholder": photo.placeholder,
        "favourite": favourite,
    }


def _list_out(favourite_list: FavouriteList) -> ListOut:
    count = getattr(favourite_list, "count", None)
    return ListOut(
        id=favourite_list.public_id,
        name=favourite_list.name,
        count=favourite_list.items.count() if count is None else count,
        submitted_at=favourite_list.submitted_at,
        locked=favourite_list.locked,
    )


def _comment_out(comment: PhotoComment, photo: Photo, visit: Access) -> CommentOut:
    return CommentOut(
        id=comment.public_id,
        photo_id=photo.public_id,
        body=comment.body,
        author=comment.visitor.email,
        mine=bool(visit.email) and comment.visitor.email == visit.email.strip().lower(),
        created_at=comment.created_at,
    )


# --- access --------------------------------------------------------------------------------------


@router.post(
    "/galleries/{gallery_id}/access",
    response={
        200: AccessOut,
        403: ErrorOut,
        404: ErrorOut,
        410: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
    },
    summary="Exchange an access code (and/or an email) for an X-Gallery-Token",
)
def gallery_access_grant(
    request, gallery_id: str, payload: AccessIn, x_gallery_token: GalleryToken = None
):
    """Private galleries need the client or guest `code` (or a still-valid token to add an
    `email` to); public and unlisted galleries need none and ignore it. `email` identifies the
    visitor for favourites and comments, and is required where the gallery says so."""
    gallery = common.found(client_selectors.gallery_get(gallery_id))
    entry = flow.gallery_enter(
        gallery=gallery,
        grant=access.grant_from_token(x_gallery_token) if x_gallery_token else None,
        code=_given(payload.code),
        email=_given(payload.email),
        ip=client_ip(request),
    )
    visit = access.gallery_access(gallery=gallery, grant=entry.grant)
    return AccessOut(
        token=access.grant_token(entry.grant),
        role=visit.role,
        gallery_id=gallery.public_id,
        email=visit.email,
    )


def _given(text: str | None) -> str | None:
    """A field left out, null or blank is not given (a code or email to check is)."""
    return (text or "").strip() or None


# --- gallery and photos --------------------------------------------------------------------------


@router.get(
    "/galleries/{gallery_id}",
    response={200: ClientGalleryOut} | VISIT_ERRORS,
    summary="A gallery as its visitor sees it",
)
def gallery_detail(request, gallery_id: str, x_gallery_token: GalleryToken = None):
    visit = common.visit(request, gallery_id, x_gallery_token)
    gallery = visit.gallery
    cover = gallery.cover_photo
    usable_cover = (
        cover is not None and cover.gallery_id == gallery.pk and cover.status == PhotoStatus.READY
    )
    return ClientGalleryOut(
        id=gallery.public_id,
        title=gallery.title,
        description=gallery.description,
        event_date=gallery.event_date,
        location=gallery.location,
        layout=gallery.layout,
        visibility=gallery.visibility,
        role=visit.role,
        email=visit.email,
        cover=_renditions(cover) if usable_cover else None,
        sets=[SetOut(id=s.public_id, name=s.name) for s in client_selectors.gallery_sets(gallery)],
        selection=SelectionRules(
            min=gallery.selection_min,
            max=gallery.selection_max,
            deadline=gallery.selection_deadline,
        ),
        downloads_enabled=gallery.downloads_enabled,
    )


@router.get(
    "/galleries/{gallery_id}/photos",
    response={200: PhotoPageOut} | VISIT_ERRORS,
    summary="One page of the gallery's photos (keyset pagination: pass next_cursor back)",
)
def gallery_photos(
    request,
    gallery_id: str,
    x_gallery_token: GalleryToken = None,
    cursor: str | None = None,
    photo_set: Query[str | None, P(alias="set")] = None,
    size: int = 48,
    list_id: ListParam = None,
):
    visit = common.visit(request, gallery_id, x_gallery_token)
    chosen_set = None
    if photo_set:
        chosen_set = common.found(selectors.photo_set_get(visit.gallery, photo_set))
    page = client_selectors.photos_page(
        visit.gallery, photo_set=chosen_set, cursor=cursor, size=size
    )
    picked = client_selectors.favourite_ids(
        visit, [p.pk for p in page.photos], list_id=_list_id(list_id)
    )
    return PhotoPageOut(
        items=[_photo_item(p, p.pk in picked) for p in page.photos],
        next_cursor=page.next_cursor,
    )


@router.get(
    "/galleries/{gallery_id}/photos/{photo_id}",
    response={200: PhotoDetail} | VISIT_ERRORS,
    summary="One photo, its neighbours in the gallery's order and related photos",
)
def photo_detail(
    request,
    gallery_id: str,
    photo_id: str,
    x_gallery_token: GalleryToken = None,
    list_id: ListParam = None,
):
    visit = common.visit(request, gallery_id, x_gallery_token)
    photo = common.visible_photo(visit.gallery, photo_id)
    photo.gallery = visit.gallery
    previous, following = client_selectors.photo_neighbours(photo)
    favourite = photo.pk in client_selectors.favourite_ids(
        visit, [photo.pk], list_id=_list_id(list_id)
    )
    return PhotoDetail(
        **_photo_item(photo, favourite),
        caption=photo.caption,
        set_id=photo.photo_set.public_id if photo.photo_set else None,
        previous_id=previous.public_id if previous else None,
        next_id=following.public_id if following else None,
        related=[p.public_id for p in client_selectors.photos_related(photo)],
    )


# --- favourites and lists ------------------------------------------------------------------------


@router.get(
    "/galleries/{gallery_id}/lists",
    response={200: list[ListOut]} | VISIT_ERRORS,
    summary="Your favourite lists in this gallery",
)
def lists(request, gallery_id: str, x_gallery_token: GalleryToken = None):
    visit = common.visit(request, gallery_id, x_gallery_token)
    return [_list_out(fl) for fl in client_selectors.visitor_lists(visit)]


@router.post(
    "/galleries/{gallery_id}/lists",
    response={201: ListOut} | WRITE_ERRORS,
    summary="Start another named list",
)
def list_create(request, gallery_id: str, payload: ListIn, x_gallery_token: GalleryToken = None):
    visit = common.visit(request, gallery_id, x_gallery_token)
    favourite_list = proofing.favourite_list_create(access=visit, name=payload.name)
    return Status(201, _list_out(favourite_list))


# PUT adds the photo, DELETE takes it out (the lower decorator registers first: PUT is first).
@router.delete(
    "/galleries/{gallery_id}/favourites/{photo_id}",
    response={204: None} | WRITE_ERRORS,
    summary="Take a photo out of a list",
    operation_id="proofsheet_api_client_galleries_favourite_remove",
)
@router.put(
    "/galleries/{gallery_id}/favourites/{photo_id}",
    response={204: None} | WRITE_ERRORS,
    summary="Add a photo to a list (the default Favourites list unless ?list= names one)",
    operation_id="proofsheet_api_client_galleries_favourite_add",
)
def favourite_set(
    request,
    gallery_id: str,
    photo_id: str,
    x_gallery_token: GalleryToken = None,
    list_id: ListParam = None,
):
    visit = common.visit(request, gallery_id, x_gallery_token)
    on = request.method == "PUT"
    flow.favourite_set(access=visit, photo_id=photo_id, on=on, list_id=_list_id(list_id))
    return Status(204, None)


@router.post(
    "/galleries/{gallery_id}/lists/{list_id}/submit",
    response={200: ListOut} | WRITE_ERRORS,
    summary='Send a list ("default" for Favourites) to the photographer; it locks',
)
def list_submit(
    request,
    gallery_id: str,
    list_id: str,
    payload: SubmitIn,
    x_gallery_token: GalleryToken = None,
):
    visit = common.visit(request, gallery_id, x_gallery_token)
    favourite_list = proofing.favourite_list_submit(
        access=visit, list_id=_list_id(list_id), note=payload.note
    )
    return _list_out(favourite_list)


# --- comments ------------------------------------------------------------------------------------


@router.get(
    "/galleries/{gallery_id}/photos/{photo_id}/comments",
    response={200: list[CommentOut]} | VISIT_ERRORS,
    summary="Comments on a photo: your own (the owner reads everyone's)",
)
def comments(request, gallery_id: str, photo_id: str, x_gallery_token: GalleryToken = None):
    visit = common.visit(request, gallery_id, x_gallery_token)
    photo = common.visible_photo(visit.gallery, photo_id)
    return [_comment_out(c, photo, visit) for c in client_selectors.photo_comments(photo, visit)]


@router.post(
    "/galleries/{gallery_id}/photos/{photo_id}/comments",
    response={201: CommentOut} | WRITE_ERRORS,
    summary="Comment on a photo (the photographer is told)",
)
def comment_add(
    request,
    gallery_id: str,
    photo_id: str,
    payload: CommentIn,
    x_gallery_token: GalleryToken = None,
):
    visit = common.visit(request, gallery_id, x_gallery_token)
    comment = flow.comment_add(access=visit, photo_id=photo_id, body=payload.body)
    return Status(201, _comment_out(comment, comment.photo, visit))


@router.delete(
    "/galleries/{gallery_id}/comments/{comment_id}",
    response={204: None} | WRITE_ERRORS,
    summary="Delete one of your comments",
)
def comment_delete(request, gallery_id: str, comment_id: str, x_gallery_token: GalleryToken = None):
    visit = common.visit(request, gallery_id, x_gallery_token)
    proofing.photo_comment_delete(access=visit, comment_id=common.public_id(comment_id))
    return Status(204, None)


# --- downloads -----------------------------------------------------------------------------------


@router.get(
    "/galleries/{gallery_id}/download-all",
    response={200: None, 422: ErrorOut, 403: ErrorOut, 404: ErrorOut, 410: ErrorOut, 429: ErrorOut},
    summary="Every ready photo (or one set's) as one streamed ZIP, where downloads are free",
)
def gallery_download_all(
    request,
    gallery_id: str,
    x_gallery_token: GalleryToken = None,
    x_download_pin: DownloadPin = None,
    size: Literal["web", "original"] = "web",
    photo_set: Query[str | None, P(alias="set")] = None,
):
    """Web-size JPEGs (no watermark) or, with `size=original` where the photographer allows it,
    the originals, in the gallery's order with unique file names. Clients (not guests) of a
    gallery with downloads on; a gallery with a download PIN needs it in `X-Download-Pin`."""
    visit = common.visit(request, gallery_id, x_gallery_token)
    gallery = visit.gallery
    chosen_set = None
    if photo_set:
        chosen_set = common.found(selectors.photo_set_get(gallery, photo_set))
    pin_unlocked = False
    if gallery.download_pin_hash and x_download_pin and downloads.gallery_downloads_allowed(visit):
        access.download_pin_check(gallery=gallery, pin=x_download_pin, ip=client_ip(request))
        pin_unlocked = True
    archive = downloads.gallery_zip(
        access=visit,
        ip=client_ip(request),
        pin_unlocked=pin_unlocked,
        photo_set=chosen_set,
        size=size,
    )
    return zip_response(archive.archive, archive.filename)
