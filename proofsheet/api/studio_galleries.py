"""/api/v1 endpoints for photographers: galleries, sets, photo upload, editing, watermark,
access codes and download PIN, client selections."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import AwareDatetime, Field

from proofsheet.api.common import ErrorOut, Input, found, seller
from proofsheet.core.errors import Conflict
from proofsheet.core.http import csv_response
from proofsheet.flows import galleries as flow
from proofsheet.galleries import access, client_selectors, processing, proofing, selectors, services
from proofsheet.galleries.models import (
    FavouriteList,
    Gallery,
    Layout,
    Photo,
    PhotoOrder,
    PhotoStatus,
    Visibility,
)

router = Router(tags=["studio"])

VisibilityValue = Literal["public", "unlisted", "private"]
OrderValue = Literal["captured", "filename", "uploaded", "custom"]
LayoutValue = Literal["justified", "masonry", "grid"]
# How many photos a client must / may pick for a selection (null: no rule).
PickCount = Annotated[int, Field(ge=1, le=100_000)]


def owned_gallery(request, gallery_id: UUID) -> Gallery:
    return found(selectors.gallery_get_owned(seller(request), gallery_id))


def owned_photo(request, photo_id: UUID) -> Photo:
    return found(selectors.photo_get_owned(seller(request), photo_id))


def gallery_set(gallery: Gallery, set_id: UUID | None):
    """The gallery's set with this id, None for no id; a foreign or unknown id is 404."""
    if set_id is None:
        return None
    return found(selectors.photo_set_get(gallery, set_id))


# --- schemas -------------------------------------------------------------------------------


class GalleryIn(Input):
    title: str
    description: str = ""
    event_date: dt.date | None = None
    location: str = ""
    visibility: VisibilityValue = Visibility.PRIVATE.value
    photo_order: OrderValue = PhotoOrder.CAPTURED.value
    layout: LayoutValue = Layout.JUSTIFIED.value
    require_email: bool = False
    expires_at: AwareDatetime | None = None
    show_exif: bool = True
    downloads_enabled: bool = False
    originals_downloadable: bool = False
    selection_min: PickCount | None = None
    selection_max: PickCount | None = None
    selection_deadline: AwareDatetime | None = None


# In a PATCH, a text field left out stays as it is; `null` is no text at all, so it is refused
# (422) rather than stored: these columns cannot be NULL ("" empties the ones that may be empty).
class GalleryPatch(Input):
    title: str = None  # type: ignore[assignment]
    slug: str | None = None  # null or "": made again from the title
    description: str = None  # type: ignore[assignment]
    event_date: dt.date | None = None
    location: str = None  # type: ignore[assignment]
    visibility: VisibilityValue | None = None
    photo_order: OrderValue | None = None
    cover_photo_id: UUID | None = None
    layout: LayoutValue | None = None
    require_email: bool | None = None
    expires_at: AwareDatetime | None = None
    show_exif: bool | None = None
    downloads_enabled: bool | None = None
    originals_downloadable: bool | None = None
    selection_min: PickCount | None = None
    selection_max: PickCount | None = None
    selection_deadline: AwareDatetime | None = None


class PhotoSetOut(Schema):
    id: UUID
    name: str


class GalleryOut(Schema):
    id: UUID
    title: str
    slug: str
    description: str
    event_date: dt.date | None
    location: str
    visibility: str
    photo_order: str
    cover_photo_id: UUID | None
    sets: list[PhotoSetOut]
    counts: dict[str, int]
    created_at: dt.datetime
    layout: str
    require_email: bool
    expires_at: dt.datetime | None
    show_exif: bool
    downloads_enabled: bool
    originals_downloadable: bool
    selection_min: int | None
    selection_max: int | None
    selection_deadline: dt.datetime | None
    client_url: str
    has_client_code: bool
    has_guest_code: bool
    has_download_pin: bool


class RenditionOut(Schema):
    width: int | None
    height: int | None
    webp: str | None = None
    jpeg: str | None = None


class PhotoOut(Schema):
    id: UUID
    gallery_id: UUID
    set_id: UUID | None
    status: str
    failure_reason: str
    original_name: str
    title: str
    caption: str
    alt_text: str
    tags: list[str]
    width: int | None
    height: int | None
    captured_at: dt.datetime | None
    exif: dict
    placeholder: str
    palette: list[str]
    renditions: dict[str, RenditionOut]
    created_at: dt.datetime


class PhotoPatch(Input):
    title: str = None  # type: ignore[assignment]  (null is refused: see GalleryPatch)
    caption: str = None  # type: ignore[assignment]
    alt_text: str = None  # type: ignore[assignment]
    tags: list[str] = None  # type: ignore[assignment]  ([] clears them)
    show_location: bool | None = None
    set_id: UUID | None = None


class UploadResult(Schema):
    name: str
    status: Literal["accepted", "duplicate", "rejected"]
    reason: str = ""
    photo: PhotoOut | None = None
    duplicate_of: UUID | None = None


class SetIn(Input):
    name: str


class WatermarkIn(Input):
    enabled: bool = True
    text: str = ""
    position: Literal["bottom-right", "bottom-left", "top-right", "top-left", "center", "tiled"] = (
        "bottom-right"
    )
    opacity: float = 0.35
    size: float = 0.2


class WatermarkOut(WatermarkIn):
    has_logo: bool


def gallery_out(gallery: Gallery) -> GalleryOut:
    return GalleryOut(
        id=gallery.public_id,
        title=gallery.title,
        slug=gallery.slug,
        description=gallery.description,
        event_date=gallery.event_date,
        location=gallery.location,
        visibility=gallery.visibility,
        photo_order=gallery.photo_order,
        cover_photo_id=gallery.cover_photo.public_id if gallery.cover_photo else None,
        sets=[PhotoSetOut(id=s.public_id, name=s.name) for s in gallery.sets.all()],
        counts=selectors.gallery_status_counts(gallery),
        created_at=gallery.created_at,
        layout=gallery.layout,
        require_email=gallery.require_email,
        expires_at=gallery.expires_at,
        show_exif=gallery.show_exif,
        downloads_enabled=gallery.downloads_enabled,
        originals_downloadable=gallery.originals_downloadable,
        selection_min=gallery.selection_min,
        selection_max=gallery.selection_max,
        selection_deadline=gallery.selection_deadline,
        client_url=settings.SITE_URL + reverse("storefront:gallery", args=[gallery.public_id]),
        has_client_code=bool(gallery.client_code_hash),
        has_guest_code=bool(gallery.guest_code_hash),
        has_download_pin=bool(gallery.download_pin_hash),
    )


class GallerySavedOut(GalleryOut):
    client_code: str | None = Field(
        description="The client access code made by this request (a new private gallery, or one "
        "just made private), else null. Shown only here: note it now."
    )


def gallery_saved_out(saved: flow.GallerySaved) -> GallerySavedOut:
    return GallerySavedOut(**gallery_out(saved.gallery).model_dump(), client_code=saved.client_code)


def photo_out(photo: Photo) -> PhotoOut:
    exif = dict(photo.exif or {})
    # Coordinates are private: never in an API response unless the photographer shows location.
    if not photo.show_location:
        exif.pop("gps_latitude", None)
        exif.pop("gps_longitude", None)
    return PhotoOut(
        id=photo.public_id,
        gallery_id=photo.gallery.public_id,
        set_id=photo.photo_set.public_id if photo.photo_set else None,
        status=photo.status,
        failure_reason=photo.failure_reason,
        original_name=photo.original_name,
        title=photo.title,
        caption=photo.caption,
        alt_text=photo.alt_text,
        tags=photo.tags,
        width=photo.width,
        height=photo.height,
        captured_at=photo.captured_at,
        exif=exif,
        placeholder=photo.placeholder,
        palette=photo.palette,
        renditions=selectors.photo_renditions_public(photo),
        created_at=photo.created_at,
    )


# --- galleries ------------------------------------------------------------------------------


@router.get("/galleries", response=list[GalleryOut], summary="Your galleries")
def list_galleries(request):
    return [gallery_out(g) for g in selectors.galleries_owned_by(seller(request))]


@router.post(
    "/galleries",
    response={201: GallerySavedOut, 422: ErrorOut, 403: ErrorOut},
    summary="Create a gallery (a private one comes with its client code, shown once)",
)
def create_gallery(request, payload: GalleryIn):
    """The gallery sells from your default price sheet, if you have one."""
    saved = flow.gallery_create(owner=seller(request), **payload.dict())
    return Status(201, gallery_saved_out(saved))


@router.get("/galleries/{gallery_id}", response={200: GalleryOut, 404: ErrorOut})
def get_gallery(request, gallery_id: UUID):
    return gallery_out(owned_gallery(request, gallery_id))


@router.patch(
    "/galleries/{gallery_id}",
    response={200: GallerySavedOut, 422: ErrorOut, 404: ErrorOut},
    summary="Change a gallery (made private, it gets a client code, shown once)",
)
def update_gallery(request, gallery_id: UUID, payload: GalleryPatch):
    gallery = owned_gallery(request, gallery_id)
    saved = flow.gallery_update(gallery=gallery, **payload.dict(exclude_unset=True))
    return gallery_saved_out(saved)


@router.delete("/galleries/{gallery_id}", response={204: None, 404: ErrorOut, 409: ErrorOut})
def delete_gallery(request, gallery_id: UUID):
    """409 when clients bought downloads of its photos (their orders still deliver them)."""
    services.gallery_delete(gallery=owned_gallery(request, gallery_id))
    return Status(204, None)


@router.post(
    "/galleries/{gallery_id}/sets", response={201: PhotoSetOut, 422: ErrorOut, 404: ErrorOut}
)
def create_set(request, gallery_id: UUID, payload: SetIn):
    photo_set = services.photo_set_create(
        gallery=owned_gallery(request, gallery_id), name=payload.name
    )
    return Status(201, PhotoSetOut(id=photo_set.public_id, name=photo_set.name))


@router.patch(
    "/galleries/{gallery_id}/sets/{set_id}",
    response={200: PhotoSetOut, 422: ErrorOut, 404: ErrorOut},
    summary="Rename a set",
)
def rename_set(request, gallery_id: UUID, set_id: UUID, payload: SetIn):
    photo_set = gallery_set(owned_gallery(request, gallery_id), set_id)
    services.photo_set_rename(photo_set=photo_set, name=payload.name)
    return PhotoSetOut(id=photo_set.public_id, name=photo_set.name)


@router.delete(
    "/galleries/{gallery_id}/sets/{set_id}",
    response={204: None, 404: ErrorOut},
    summary="Delete a set (its photos stay in the gallery)",
)
def delete_set(request, gallery_id: UUID, set_id: UUID):
    photo_set = gallery_set(owned_gallery(request, gallery_id), set_id)
    services.photo_set_delete(photo_set=photo_set)
    return Status(204, None)


# --- photos -------------------------------------------------------------------------------


@router.post(
    "/galleries/{gallery_id}/photos",
    response={201: list[UploadResult], 404: ErrorOut},
    summary="Upload photos (multipart, field `files`, one or more)",
)
def upload_photos(
    request, gallery_id: UUID, files: File[list[UploadedFile]], set_id: Form[UUID | None] = None
):
    gallery = owned_gallery(request, gallery_id)
    photo_set = gallery_set(gallery, set_id)
    results = []
    for upload in files:
        result = services.photo_ingest(
            gallery=gallery,
            owner=gallery.owner,
            source=upload,
            original_name=upload.name or "photo",
            photo_set=photo_set,
        )
        results.append(
            UploadResult(
                name=result.name,
                status=result.status,
                reason=result.rejected,
                photo=photo_out(result.photo) if result.photo else None,
                duplicate_of=result.duplicate_of.public_id if result.duplicate_of else None,
            )
        )
    return Status(201, results)


@router.get(
    "/galleries/{gallery_id}/photos",
    response={200: list[PhotoOut], 404: ErrorOut},
    summary="A gallery's photos with status and rendition URLs",
)
def list_photos(
    request,
    gallery_id: UUID,
    status: PhotoStatus | None = None,
    set_id: UUID | None = None,
    offset: int = 0,
    limit: int = 100,
):
    gallery = owned_gallery(request, gallery_id)
    photo_set = gallery_set(gallery, set_id)
    limit = max(1, min(limit, 500))
    photos = selectors.gallery_photos(gallery, photo_set=photo_set, status=status)
    return [photo_out(p) for p in photos.select_related("gallery")[max(offset, 0) :][:limit]]


@router.get("/photos/{photo_id}", response={200: PhotoOut, 404: ErrorOut})
def get_photo(request, photo_id: UUID):
    return photo_out(owned_photo(request, photo_id))


@router.patch("/photos/{photo_id}", response={200: PhotoOut, 422: ErrorOut, 404: ErrorOut})
def update_photo(request, photo_id: UUID, payload: PhotoPatch):
    photo = owned_photo(request, photo_id)
    fields = payload.dict(exclude_unset=True)
    with transaction.atomic():
        if "set_id" in fields:
            photo_set = gallery_set(photo.gallery, fields.pop("set_id"))
            services.photos_move(
                gallery=photo.gallery, photo_ids=[photo.public_id], photo_set=photo_set
            )
            photo.refresh_from_db()
        if fields:
            services.photo_update(photo=photo, **fields)
    return photo_out(photo)


@router.delete("/photos/{photo_id}", response={204: None, 404: ErrorOut, 409: ErrorOut})
def delete_photo(request, photo_id: UUID):
    """409 when clients bought downloads of it (their orders still deliver it)."""
    photo = owned_photo(request, photo_id)
    services.photos_delete(gallery=photo.gallery, photo_ids=[photo.public_id])
    return Status(204, None)


@router.post(
    "/photos/{photo_id}/retry",
    response={200: PhotoOut, 404: ErrorOut},
    summary="Process a failed photo again",
)
def retry_photo(request, photo_id: UUID):
    return photo_out(processing.photo_retry(photo=owned_photo(request, photo_id)))


# --- watermark -----------------------------------------------------------------------------


def watermark_out(watermark) -> WatermarkOut:
    return WatermarkOut(
        enabled=watermark.enabled,
        text=watermark.text,
        position=watermark.position,
        opacity=watermark.opacity,
        size=watermark.size,
        has_logo=bool(watermark.logo_key),
    )


@router.put(
    "/watermark",
    response={200: WatermarkOut, 422: ErrorOut, 403: ErrorOut},
    summary="Your default watermark (regenerates previews in the background)",
)
def put_watermark(request, payload: WatermarkIn):
    watermark = services.watermark_update(owner=seller(request), **payload.dict())
    return watermark_out(watermark)


@router.put(
    "/galleries/{gallery_id}/watermark",
    response={200: WatermarkOut, 422: ErrorOut, 404: ErrorOut},
    summary="A gallery's own watermark, overriding your default",
)
def put_gallery_watermark(request, gallery_id: UUID, payload: WatermarkIn):
    gallery = owned_gallery(request, gallery_id)
    watermark = services.watermark_update(owner=gallery.owner, gallery=gallery, **payload.dict())
    return watermark_out(watermark)


# --- access codes and download PIN ------------------------------------------------------------


class CodeOut(Schema):
    code: str


class PinIn(Input):
    pin: Annotated[str, Field(max_length=32, pattern=r"^([A-Za-z0-9]{4,32})?$")] = Field(
        description="4–32 letters or digits; an empty string removes the PIN."
    )


class PinOut(Schema):
    has_download_pin: bool


def private_gallery(request, gallery_id: UUID) -> Gallery:
    gallery = owned_gallery(request, gallery_id)
    if gallery.visibility != Visibility.PRIVATE:
        raise Conflict("Only private galleries have access codes.")
    return gallery


@router.post(
    "/galleries/{gallery_id}/client-code",
    response={200: CodeOut, 404: ErrorOut, 409: ErrorOut},
    summary="Make a new client code (full rights); every earlier code access ends",
)
def rotate_client_code(request, gallery_id: UUID):
    gallery = private_gallery(request, gallery_id)
    return CodeOut(code=access.gallery_rotate_access_code(gallery=gallery, kind=access.CLIENT))


@router.post(
    "/galleries/{gallery_id}/guest-code",
    response={200: CodeOut, 404: ErrorOut, 409: ErrorOut},
    summary="Make (or replace) the view-only guest code; every earlier code access ends",
)
def rotate_guest_code(request, gallery_id: UUID):
    gallery = private_gallery(request, gallery_id)
    return CodeOut(code=access.gallery_rotate_access_code(gallery=gallery, kind=access.GUEST))


@router.delete(
    "/galleries/{gallery_id}/guest-code",
    response={204: None, 404: ErrorOut},
    summary="Remove the guest code; every earlier code access ends",
)
def remove_guest_code(request, gallery_id: UUID):
    gallery = owned_gallery(request, gallery_id)
    if gallery.guest_code_hash:
        access.gallery_remove_guest_code(gallery=gallery)
    return Status(204, None)


@router.put(
    "/galleries/{gallery_id}/download-pin",
    response={200: PinOut, 404: ErrorOut},
    summary="Set the PIN clients enter before downloading (empty: no PIN)",
)
def put_download_pin(request, gallery_id: UUID, payload: PinIn):
    gallery = owned_gallery(request, gallery_id)
    access.gallery_set_download_pin(gallery=gallery, pin=payload.pin)
    return PinOut(has_download_pin=bool(gallery.download_pin_hash))


# --- client selections ----------------------------------------------------------------------


class PickOut(Schema):
    photo_id: UUID
    original_name: str


class SelectionOut(Schema):
    id: UUID
    name: str
    client_email: str
    count: int
    submitted: bool
    submitted_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    photos: list[PickOut]


class SelectionCommentOut(Schema):
    id: UUID
    photo_id: UUID
    photo_name: str
    client_email: str
    body: str
    created_at: dt.datetime


class SelectionsOut(Schema):
    selections: list[SelectionOut]
    comments: list[SelectionCommentOut]


class LightroomOut(Schema):
    filter: str


def owned_selection(request, gallery_id: UUID, list_id: UUID) -> tuple[Gallery, FavouriteList]:
    gallery = owned_gallery(request, gallery_id)
    return gallery, found(client_selectors.selection_get(gallery, list_id))


def selection_out(favourite_list: FavouriteList) -> SelectionOut:
    items = getattr(favourite_list, "_prefetched_objects_cache", {}).get("items")
    if items is None:
        items = favourite_list.items.select_related("photo")
    picks = [
        PickOut(photo_id=item.photo.public_id, original_name=item.photo.original_name)
        for item in items
    ]
    return SelectionOut(
        id=favourite_list.public_id,
        name=favourite_list.name,
        client_email=favourite_list.visitor.email,
        count=len(picks),
        submitted=favourite_list.submitted_at is not None,
        submitted_at=favourite_list.submitted_at,
        created_at=favourite_list.created_at,
        updated_at=favourite_list.updated_at,
        photos=picks,
    )


@router.get(
    "/galleries/{gallery_id}/selections",
    response={200: SelectionsOut, 404: ErrorOut},
    summary="Every client's lists (submitted first) with their picks, and all comments",
)
def list_selections(request, gallery_id: UUID):
    gallery = owned_gallery(request, gallery_id)
    return SelectionsOut(
        selections=[selection_out(lst) for lst in client_selectors.gallery_selections(gallery)],
        comments=[
            SelectionCommentOut(
                id=comment.public_id,
                photo_id=comment.photo.public_id,
                photo_name=comment.photo.original_name,
                client_email=comment.visitor.email,
                body=comment.body,
                created_at=comment.created_at,
            )
            for comment in client_selectors.gallery_comments(gallery)
        ],
    )


@router.get(
    "/galleries/{gallery_id}/selections/{list_id}/export",
    response={200: LightroomOut, 404: ErrorOut},
    summary="Export a list: `format=csv` (a CSV file) or `format=lightroom` (a filter string)",
    # The int key, as in `response`: ninja merges it into that 200 (a "200" string would be a
    # second 200 key, which Swagger UI refuses as a duplicated mapping key).
    openapi_extra={
        "responses": {
            200: {
                "description": "`lightroom`: JSON; `csv`: a CSV file, one row per picked photo",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def export_selection(
    request, gallery_id: UUID, list_id: UUID, format: Literal["csv", "lightroom"] = "csv"
):
    _gallery, favourite_list = owned_selection(request, gallery_id, list_id)
    if format == "lightroom":
        return LightroomOut(filter=proofing.lightroom_filter(favourite_list))
    return csv_response(
        proofing.selection_csv(favourite_list), proofing.selection_csv_name(favourite_list)
    )


@router.post(
    "/galleries/{gallery_id}/selections/{list_id}/reopen",
    response={200: SelectionOut, 404: ErrorOut},
    summary="Unlock a submitted list so the client can change it (they are emailed)",
)
def reopen_selection(request, gallery_id: UUID, list_id: UUID):
    gallery, favourite_list = owned_selection(request, gallery_id, list_id)
    with transaction.atomic():
        favourite_list = proofing.favourite_list_reopen(
            gallery=gallery, list_id=favourite_list.public_id
        )
    return selection_out(favourite_list)
