"""What clients see: public listings, a gallery's photos page by page, favourites (reads only).

Pages use keyset pagination over (sort field, id), so page 20 of a 10,000-photo gallery costs the
same as page 1, and the number of queries does not depend on the page size.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from proofsheet.accounts.models import SELLER_ROLES, User
from proofsheet.galleries.access import Access
from proofsheet.galleries.models import (
    Favourite,
    FavouriteList,
    Gallery,
    GalleryVisitor,
    Photo,
    PhotoComment,
    PhotoSet,
    PhotoStatus,
    Visibility,
)
from proofsheet.galleries.selectors import SORT_FIELD, as_public_id, photo_ordering

# 24 tiles fill a phone's first screens; the next page loads when its link scrolls into view.
# (A first page of 48 made Chromium fetch ~31 lazy tiles up front: its lazy-load margin.)
PAGE_SIZE = 24
MAX_PAGE_SIZE = 200
# What a grid or lightbox needs; EXIF and the palette stay in the database.
GRID_FIELDS = (
    "id",
    "public_id",
    "gallery_id",
    "photo_set_id",
    "original_name",
    "title",
    "alt_text",
    "width",
    "height",
    "placeholder",
    "renditions",
    "captured_at",
    "position",
)


def _listed() -> Q:
    now = timezone.now()
    return Q(visibility=Visibility.PUBLIC) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def _listable() -> QuerySet[Gallery]:
    """Public, unexpired galleries with at least one ready photo: what listings may show."""
    ready = Photo.objects.filter(gallery=OuterRef("pk"), status=PhotoStatus.READY)
    return Gallery.objects.filter(_listed()).filter(Exists(ready))


def public_galleries(*, owner: User | None = None, limit: int = 24) -> QuerySet[Gallery]:
    """Public, unexpired galleries with at least one ready photo, newest first."""
    galleries = _listable()
    if owner is not None:
        galleries = galleries.filter(owner=owner)
    return (
        galleries.select_related("cover_photo", "owner")
        .annotate(photo_count=Count("photos", filter=Q(photos__status=PhotoStatus.READY)))
        # Undated galleries last on every database (PostgreSQL puts NULLs first in DESC).
        .order_by(F("event_date").desc(nulls_last=True), "-created_at")[:limit]
    )


def public_photographers(*, limit: int = 12) -> QuerySet[User]:
    """Photographers with at least one gallery in the public listing (the count: how many)."""
    listable = _listable()
    return (
        User.objects.filter(role__in=SELLER_ROLES, is_active=True)
        .filter(Exists(listable.filter(owner=OuterRef("pk"))))
        .annotate(gallery_count=Count("galleries", filter=Q(galleries__in=listable)))
        .order_by("display_name", "email")[:limit]
    )


def photographer_get(public_id) -> User | None:
    public_id = as_public_id(public_id)
    if public_id is None:
        return None
    return User.objects.filter(public_id=public_id, role__in=SELLER_ROLES, is_active=True).first()


def gallery_get(public_id) -> Gallery | None:
    """Any gallery by public id (access is decided by `access.gallery_access`)."""
    public_id = as_public_id(public_id)
    if public_id is None:
        return None
    return (
        Gallery.objects.select_related("owner", "cover_photo").filter(public_id=public_id).first()
    )


def gallery_sets(gallery: Gallery) -> list[PhotoSet]:
    """Sets holding at least one ready photo, in the photographer's order."""
    return list(
        PhotoSet.objects.filter(gallery=gallery)
        .annotate(ready=Count("photos", filter=Q(photos__status=PhotoStatus.READY)))
        .filter(ready__gt=0)
    )


def ready_photos(gallery: Gallery) -> QuerySet[Photo]:
    return Photo.objects.filter(gallery=gallery, status=PhotoStatus.READY)


# --- pages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhotoPage:
    photos: list[Photo]
    next_cursor: str | None


def _encode_cursor(value, pk: int) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([value, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


_BIGINT = 2**63  # integers beyond this fit no database column (SQLite mis-compares them)


def _decode_cursor(cursor: str, field: str):
    """(value, id) from a cursor, or None when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
        if not isinstance(pk, int) or isinstance(pk, bool) or not 0 < pk < _BIGINT:
            return None
        if value is not None and field == "captured_at":
            value = datetime.fromisoformat(value)
        elif value is not None and field == "position":
            if not isinstance(value, int) or not 0 <= value < _BIGINT:
                return None
        elif value is not None and field == "original_name" and not isinstance(value, str):
            return None
        return value, pk
    # RecursionError: a cursor of thousands of nested brackets.
    except (ValueError, TypeError, RecursionError, json.JSONDecodeError):
        return None


def _after(field: str, value, pk: int) -> Q:
    """Rows after (value, pk) in `field ASC NULLS LAST, id ASC` order."""
    if field == "id":
        return Q(id__gt=pk)
    if value is None:
        return Q(**{f"{field}__isnull": True, "id__gt": pk})
    return (
        Q(**{f"{field}__gt": value})
        | Q(**{field: value, "id__gt": pk})
        | Q(**{f"{field}__isnull": True})
    )


def photos_page(
    gallery: Gallery,
    *,
    photo_set: PhotoSet | None = None,
    cursor: str | None = None,
    size: int | None = None,
    photo_filter: Q | None = None,
) -> PhotoPage:
    """One page of a gallery's ready photos in its order. A bad cursor starts from the top."""
    # PAGE_SIZE is read per call (not bound as a default), so settings and tests can change it.
    size = max(1, min(PAGE_SIZE if size is None else size, MAX_PAGE_SIZE))
    photos = _from_cursor(gallery, photo_set, cursor, photo_filter).only(*GRID_FIELDS)
    rows = list(photos.order_by(*photo_ordering(gallery))[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    field = SORT_FIELD.get(gallery.photo_order, "position")
    next_cursor = _encode_cursor(getattr(rows[-1], field), rows[-1].pk) if more else None
    return PhotoPage(photos=rows, next_cursor=next_cursor)


def photos_count(
    gallery: Gallery, *, photo_set: PhotoSet | None = None, cursor: str | None = None
) -> int:
    """How many photos `photos_page` walks through from `cursor` to the end (all pages)."""
    return _from_cursor(gallery, photo_set, cursor).count()


def _from_cursor(
    gallery: Gallery,
    photo_set: PhotoSet | None,
    cursor: str | None,
    photo_filter: Q | None = None,
) -> QuerySet[Photo]:
    """Ready photos of the gallery (or set) after the cursor (from the top for a bad one)."""
    photos = ready_photos(gallery)
    if photo_set is not None:
        photos = photos.filter(photo_set=photo_set)
    if photo_filter is not None:
        photos = photos.filter(photo_filter)
    field = SORT_FIELD.get(gallery.photo_order, "position")
    position = _decode_cursor(cursor, field) if cursor else None
    if position is not None:
        photos = photos.filter(_after(field, *position))
    return photos


def photo_get(gallery: Gallery, public_id) -> Photo | None:
    public_id = as_public_id(public_id)
    if public_id is None:
        return None
    found = ready_photos(gallery).select_related("photo_set").filter(public_id=public_id).first()
    if found is not None:
        found.gallery = gallery  # the caller's instance: no second query
    return found


def photo_neighbours(photo: Photo) -> tuple[Photo | None, Photo | None]:
    """The previous and next photo in the gallery's order (for the photo page)."""
    gallery = photo.gallery
    field = SORT_FIELD.get(gallery.photo_order, "position")
    value = getattr(photo, field)
    ready = ready_photos(gallery).only(*GRID_FIELDS)
    following = (
        ready.filter(_after(field, value, photo.pk)).order_by(*photo_ordering(gallery)).first()
    )
    before = _before(field, value, photo.pk)
    reverse = ["-id"] if field == "id" else [F(field).desc(nulls_first=True), "-id"]
    previous = ready.filter(before).order_by(*reverse).first()
    return previous, following


def _before(field: str, value, pk: int) -> Q:
    if field == "id":
        return Q(id__lt=pk)
    if value is None:
        return Q(**{f"{field}__isnull": False}) | Q(**{f"{field}__isnull": True, "id__lt": pk})
    return Q(**{f"{field}__lt": value}) | Q(**{field: value, "id__lt": pk})


def photos_related(photo: Photo, *, limit: int = 8) -> list[Photo]:
    """Photos like this one: shared tags, the same set, taken close in time."""
    candidates = ready_photos(photo.gallery).exclude(pk=photo.pk).only(*GRID_FIELDS, "tags")
    near = Q(photo_set_id=photo.photo_set_id) if photo.photo_set_id else Q()
    if photo.captured_at:
        window = timedelta(hours=2)
        near |= Q(captured_at__range=(photo.captured_at - window, photo.captured_at + window))
    pool = list(candidates.filter(near)[:300]) if near else list(candidates[:300])
    tags = set(photo.tags or [])
    if tags and near:
        # A shared tag relates photos from anywhere in the gallery. JSON containment is not
        # portable (SQLite), so tagged photos are fetched and compared here.
        seen = {other.pk for other in pool}
        tagged = candidates.exclude(pk__in=seen).exclude(tags=[])[:300]
        pool += [other for other in tagged if tags & set(other.tags or [])]
    if len(pool) < limit:
        # Nothing much alike: the page still offers more of the gallery, closest in time first.
        seen = {other.pk for other in pool}
        pool += list(candidates.exclude(pk__in=seen)[: limit * 4])

    def score(other: Photo) -> tuple:
        shared = len(tags & set(other.tags or []))
        same_set = bool(photo.photo_set_id) and other.photo_set_id == photo.photo_set_id
        gap = (
            abs((other.captured_at - photo.captured_at).total_seconds())
            if other.captured_at and photo.captured_at
            else 1e9
        )
        return (-shared, not same_set, gap, other.pk)

    return sorted(pool, key=score)[:limit]


def photo_info(photo: Photo) -> list[tuple[str, str]]:
    """What the info panel shows: capture details when the gallery allows, never GPS unless the
    photographer chose to show this photo's location."""
    if not photo.gallery.show_exif:
        return []
    exif = photo.exif or {}
    camera = " ".join(part for part in (exif.get("camera_make"), exif.get("camera_model")) if part)
    rows = [
        ("Taken", photo.captured_at.strftime("%-d %B %Y, %H:%M") if photo.captured_at else ""),
        ("Camera", camera),
        ("Lens", exif.get("lens") or ""),
        ("Focal length", f"{exif['focal_length_mm']:g} mm" if exif.get("focal_length_mm") else ""),
        ("Aperture", f"f/{exif['aperture']:g}" if exif.get("aperture") else ""),
        ("Shutter", _shutter(exif.get("shutter_seconds"))),
        ("ISO", str(exif["iso"]) if exif.get("iso") else ""),
        ("Size", f"{photo.width} × {photo.height} px" if photo.width else ""),
    ]
    if photo.show_location and photo.gps_latitude is not None:
        rows.append(("Location", f"{photo.gps_latitude:.4f}, {photo.gps_longitude:.4f}"))
    return [(label, value) for label, value in rows if value]


def _shutter(seconds) -> str:
    if not seconds:
        return ""
    if seconds >= 1:
        return f"{seconds:g} s"
    return f"1/{round(1 / seconds)} s"


# --- proofing -----------------------------------------------------------------------------


def visitor_get(access: Access) -> GalleryVisitor | None:
    if not access.email:
        return None
    email = access.email.strip().lower()
    return GalleryVisitor.objects.filter(gallery=access.gallery, email=email).first()


def visitor_lists(access: Access) -> list[FavouriteList]:
    """The visitor's lists with their counts (the default list first)."""
    visitor = visitor_get(access)
    if visitor is None:
        return []
    return list(FavouriteList.objects.filter(visitor=visitor).annotate(count=Count("items")))


def favourite_ids(access: Access, photo_ids: list[int], list_id=None) -> set[int]:
    """Which of these photos are in the visitor's list (the default list when not named)."""
    visitor = visitor_get(access)
    if visitor is None or not photo_ids:
        return set()
    favourites = Favourite.objects.filter(favourite_list__visitor=visitor, photo_id__in=photo_ids)
    if list_id:
        list_public_id = as_public_id(list_id)
        if list_public_id is None:
            return set()
        favourites = favourites.filter(favourite_list__public_id=list_public_id)
    else:
        favourites = favourites.filter(favourite_list__name=FavouriteList.DEFAULT_NAME)
    return set(favourites.values_list("photo_id", flat=True))


def favourite_list_get(access: Access, list_id) -> FavouriteList | None:
    visitor = visitor_get(access)
    list_id = as_public_id(list_id)
    if visitor is None or list_id is None:
        return None
    return FavouriteList.objects.filter(visitor=visitor, public_id=list_id).first()


def photo_comments(photo: Photo, access: Access) -> list[PhotoComment]:
    """Comments on a photo this visitor may read: their own; the owner reads everyone's."""
    comments = PhotoComment.objects.filter(photo=photo).select_related("visitor")
    if not access.is_owner:
        visitor = visitor_get(access)
        if visitor is None:
            return []
        comments = comments.filter(visitor=visitor)
    return list(comments)


# --- the photographer's side --------------------------------------------------------------


def gallery_selections(gallery: Gallery) -> list[FavouriteList]:
    """Every client's lists with their picks and comments, submitted ones first."""
    items = Favourite.objects.select_related("photo").only(
        "id",
        "favourite_list_id",
        "photo__public_id",
        "photo__original_name",
        "photo__renditions",
        "photo__width",
        "photo__height",
        "photo__alt_text",
    )
    return list(
        FavouriteList.objects.filter(gallery=gallery)
        .select_related("visitor")
        .annotate(count=Count("items"))
        .prefetch_related(Prefetch("items", queryset=items))
        .order_by(F("submitted_at").desc(nulls_last=True), "-updated_at")
    )


def gallery_comments(gallery: Gallery) -> list[PhotoComment]:
    return list(
        PhotoComment.objects.filter(photo__gallery=gallery)
        .select_related("visitor", "photo")
        .order_by("-created_at")[:500]
    )


def selection_get(gallery: Gallery, list_id) -> FavouriteList | None:
    list_id = as_public_id(list_id)
    if list_id is None:
        return None
    return (
        FavouriteList.objects.filter(gallery=gallery, public_id=list_id)
        .select_related("visitor")
        .first()
    )
