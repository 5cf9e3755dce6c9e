"""Gallery reads. Ownership is enforced here: a foreign gallery is simply not found (R01)."""

from __future__ import annotations

from django.core.files.storage import storages
from django.db.models import Count, F, Q, QuerySet

from proofsheet.accounts.models import User
from proofsheet.core.models import as_public_id
from proofsheet.galleries.models import (
    Gallery,
    Photo,
    PhotoOrder,
    PhotoSet,
    PhotoStatus,
    UploadBatch,
)

# The sort field of each order; `id` breaks ties, so (field, id) is a keyset-pagination key.
# Photos without a capture time come last on every database.
SORT_FIELD: dict[str, str] = {
    PhotoOrder.CAPTURED: "captured_at",
    PhotoOrder.FILENAME: "original_name",
    PhotoOrder.UPLOADED: "id",
    PhotoOrder.CUSTOM: "position",
}


def photo_ordering(gallery: Gallery) -> list:
    field = SORT_FIELD.get(gallery.photo_order, "position")
    return ["id"] if field == "id" else [F(field).asc(nulls_last=True), "id"]


def galleries_owned_by(user: User) -> QuerySet[Gallery]:
    """The user's galleries with photo counts by status, newest first."""
    return (
        Gallery.objects.filter(owner=user)
        .annotate(
            photo_count=Count("photos"),
            ready_count=Count("photos", filter=Q(photos__status=PhotoStatus.READY)),
            failed_count=Count("photos", filter=Q(photos__status=PhotoStatus.FAILED)),
        )
        .select_related("cover_photo")
    )


def gallery_get_owned(user: User, public_id) -> Gallery | None:
    public_id = as_public_id(public_id)
    return Gallery.objects.filter(owner=user, public_id=public_id).first() if public_id else None


def gallery_get_titled(user: User, title: str) -> Gallery | None:
    """The user's gallery with this title (the newest, if several share it)."""
    return Gallery.objects.filter(owner=user, title=title.strip()).first()


def photo_get(gallery: Gallery, public_id) -> Photo | None:
    """One of the gallery's photos, whatever its status."""
    public_id = as_public_id(public_id)
    return gallery.photos.filter(public_id=public_id).first() if public_id else None


def photo_get_owned(user: User, public_id) -> Photo | None:
    public_id = as_public_id(public_id)
    if public_id is None:
        return None
    return Photo.objects.filter(owner=user, public_id=public_id).select_related("gallery").first()


def photo_set_get(gallery: Gallery, public_id) -> PhotoSet | None:
    public_id = as_public_id(public_id)
    if public_id is None:
        return None
    return PhotoSet.objects.filter(gallery=gallery, public_id=public_id).first()


def upload_batch_get(gallery: Gallery, public_id) -> UploadBatch | None:
    public_id = as_public_id(public_id)
    if public_id is None:
        return None
    return gallery.batches.filter(public_id=public_id).first()


def gallery_photos(
    gallery: Gallery, *, photo_set: PhotoSet | None = None, status: str | None = None
) -> QuerySet[Photo]:
    """A gallery's photos in its chosen order, optionally one set's or one status's."""
    photos = Photo.objects.filter(gallery=gallery).select_related("photo_set")
    if photo_set is not None:
        photos = photos.filter(photo_set=photo_set)
    if status:
        photos = photos.filter(status=status)
    return photos.order_by(*photo_ordering(gallery))


def photo_position(photo: Photo) -> int:
    """The photo's 1-based place in its gallery's custom order."""
    return (
        Photo.objects.filter(gallery_id=photo.gallery_id)
        .filter(Q(position__lt=photo.position) | Q(position=photo.position, id__lt=photo.id))
        .count()
        + 1
    )


def gallery_status_counts(gallery: Gallery) -> dict[str, int]:
    counts = dict(
        Photo.objects.filter(gallery=gallery)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in PhotoStatus.values}


def rendition_url(photo: Photo, name: str, fmt: str = "webp") -> str | None:
    """The public URL of one rendition, or None while the photo is not ready."""
    key = (photo.renditions.get(name) or {}).get(fmt)
    return storages["public"].url(key) if key else None


def rendition_srcset(photo: Photo, fmt: str = "webp", names: str = "small grid preview") -> str:
    """`srcset` over some renditions (space-separated names), smallest first."""
    parts = []
    for name in names.split():
        entry = photo.renditions.get(name) or {}
        if entry.get(fmt):
            parts.append(f"{storages['public'].url(entry[fmt])} {entry['w']}w")
    return ", ".join(parts)


def photo_renditions_public(photo: Photo) -> dict[str, dict]:
    """{name: {"width", "height", "webp", "jpeg"}} with URLs, for templates and the API."""
    out = {}
    for name, entry in (photo.renditions or {}).items():
        out[name] = {"width": entry.get("w"), "height": entry.get("h")} | {
            fmt: storages["public"].url(entry[fmt]) for fmt in ("webp", "jpeg") if entry.get(fmt)
        }
    return out
