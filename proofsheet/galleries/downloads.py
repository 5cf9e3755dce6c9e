"""Free "download all": a gallery's ready photos (or one set's) as one streamed ZIP.

The rules are those of a single free download (`storefront.gallery_views.download`): the
photographer turned downloads on, the visitor is the client or the owner (a guest code is view
only), the download PIN (if any) was entered, and originals only when the photographer allows
them. On top of that, an archive is capped at MAX_PHOTOS photos (ask for a set at a time) and at
PER_HOUR archives a visitor IP may start per gallery, counted with `accounts.throttle`'s
conditional UPDATE so parallel requests cannot slip past.

The archive's names are fixed before it starts; each file is made (a web-size JPEG, on first
request) and read in chunks only when the ZIP reaches it (`core.zipping`), so memory stays flat
whatever the gallery's size.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePath

from django.utils.text import slugify

from proofsheet.accounts import throttle
from proofsheet.core.errors import DomainError
from proofsheet.core.zipping import ZipEntry, ZipStream, read_chunks, zip_stream
from proofsheet.galleries import processing
from proofsheet.galleries.access import Access
from proofsheet.galleries.models import Gallery, Photo, PhotoSet, PhotoStatus
from proofsheet.galleries.selectors import photo_ordering

logger = logging.getLogger(__name__)

MAX_PHOTOS = 2000  # one archive; a bigger gallery is downloaded a set at a time
PER_HOUR = 10  # archives one IP may start per gallery per hour
WINDOW = timedelta(hours=1)

WEB, ORIGINAL = "web", "original"
# What a file name inside the archive may not hold: path separators (an unzip tool would write
# outside its folder), characters Windows refuses, and control characters.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
_FIELDS = ("id", "public_id", "gallery_id", "original_key", "original_name", "sha256", "format")


class DownloadRefused(DomainError):
    """Why a "download all" cannot start, with a sentence for the visitor.

    `reason`: "forbidden" (downloads off, or a guest), "original" (originals not allowed), "pin"
    (the download PIN is not entered), "empty", "too_many" or "throttled".
    """

    CODES = {
        "forbidden": "downloads_off",
        "original": "originals_off",
        "pin": "download_pin_required",
        "empty": "nothing_to_download",
        "too_many": "too_many_photos",
        "throttled": "rate_limited",
    }

    def __init__(self, reason: str, message: str):
        super().__init__(message, code=self.CODES[reason])
        self.reason = reason


@dataclass(frozen=True)
class GalleryZip:
    """A started archive: its file name, how many photos, and the archive (iterate it for the
    bytes as they are made; `core.zipping.zip_length` knows its length when every file is made)."""

    filename: str
    count: int
    archive: ZipStream


def gallery_downloads_allowed(access: Access) -> bool:
    """May this visitor download the gallery's photos for free (before any PIN)?"""
    return access.gallery.downloads_enabled and access.can_interact


def gallery_zip_photos(
    gallery: Gallery, *, photo_set: PhotoSet | None = None, limit: int | None = None
) -> list[Photo]:
    """The gallery's ready photos (or the set's) in the gallery's order, at most `limit`."""
    photos = Photo.objects.filter(gallery=gallery, status=PhotoStatus.READY).only(*_FIELDS)
    if photo_set is not None:
        photos = photos.filter(photo_set=photo_set)
    photos = photos.order_by(*photo_ordering(gallery))
    rows = list(photos if limit is None else photos[:limit])
    for photo in rows:
        photo.gallery = gallery  # the caller's instance: no query per file
    return rows


def _safe_stem(original_name: str) -> str:
    stem = PurePath(original_name.replace("\\", "/")).stem
    return _UNSAFE.sub("_", stem).strip(" .")[:150] or "photo"


def _suffix(photo: Photo, size: str) -> str:
    if size == WEB:
        return ".jpg"
    suffix = PurePath(photo.original_name.replace("\\", "/")).suffix.lower()
    if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix):
        return suffix
    return ".jpg" if photo.format == "jpeg" else f".{photo.format}"


def zip_names(photos: list[Photo], size: str = WEB) -> list[str]:
    """A file name per photo: its original name's stem, made unique with "-2", "-3", …

    Uniqueness ignores case, since the folders most archives are unpacked into do too.
    """
    taken: set[str] = set()
    names = []
    for photo in photos:
        stem, suffix = _safe_stem(photo.original_name), _suffix(photo, size)
        name, n = f"{stem}{suffix}", 1
        while name.lower() in taken:
            n += 1
            name = f"{stem}-{n}{suffix}"
        taken.add(name.lower())
        names.append(name)
    return names


def _lazy_file(photo: Photo, size: str) -> Iterator[bytes]:
    """The photo's file, made (if not yet) and read only when the ZIP reaches it."""
    try:
        key = photo.original_key if size == ORIGINAL else processing.photo_web_download(photo)
    except Exception:
        # The archive is already under way: the stream breaks off and the client sees a failed
        # download rather than a ZIP with a hole in it.
        logger.exception("download all: no file for photo %s", photo.public_id)
        raise
    yield from read_chunks(key)


def gallery_zip_entries(photos: list[Photo], size: str = WEB) -> list[ZipEntry]:
    """(name, chunks, size) entries for `zip_stream`; nothing is read or rendered yet.

    A file already made brings its size; when all do, the archive's length is known up front.
    """
    entries: list[ZipEntry] = []
    for name, photo in zip(zip_names(photos, size), photos, strict=True):
        key = (
            photo.original_key
            if size == ORIGINAL
            else processing.photo_web_download(photo, make=False)
        )
        length = processing.stored_size(key)
        if length is None:
            entries.append((name, _lazy_file(photo, size), None))
        else:
            entries.append((name, read_chunks(key), length))
    return entries


def gallery_zip_name(gallery: Gallery, *, photo_set: PhotoSet | None, size: str) -> str:
    parts = [gallery.slug or "gallery"]
    if photo_set is not None:
        parts.append(slugify(photo_set.name) or "set")
    parts.append("originals" if size == ORIGINAL else "photos")
    return "-".join(parts) + ".zip"


def _throttle_key(gallery: Gallery, ip: str) -> str:
    return f"zip:{gallery.pk}:{ip}"[:100]


def gallery_zip(
    *,
    access: Access,
    ip: str,
    pin_unlocked: bool,
    photo_set: PhotoSet | None = None,
    size: str = WEB,
) -> GalleryZip:
    """Start a "download all" of the gallery (or of `photo_set`), or raise DownloadRefused.

    `pin_unlocked`: the interface's word that this visitor entered the gallery's download PIN
    (ignored when it has none). The hourly allowance is taken only once every other check passed.
    """
    gallery = access.gallery
    if not gallery.downloads_enabled:
        raise DownloadRefused("forbidden", "Downloads are not available in this gallery.")
    if not access.can_interact:
        raise DownloadRefused(
            "forbidden", "A guest code gives view-only access: downloads need the client code."
        )
    if size not in (WEB, ORIGINAL):
        raise DownloadRefused("forbidden", "Choose the web size or the originals.")
    if size == ORIGINAL and not gallery.originals_downloadable:
        raise DownloadRefused("original", "Your photographer does not offer the originals.")
    if gallery.download_pin_hash and not pin_unlocked:
        raise DownloadRefused("pin", "Enter the gallery's download PIN first.")
    photos = gallery_zip_photos(gallery, photo_set=photo_set, limit=MAX_PHOTOS + 1)
    if not photos:
        raise DownloadRefused("empty", "There are no photos to download here yet.")
    if len(photos) > MAX_PHOTOS:
        where = "set" if photo_set is not None else "gallery"
        raise DownloadRefused(
            "too_many",
            f"This {where} has more than {MAX_PHOTOS:,} photos, too many for one download. "
            "Download it a set at a time, or photo by photo.",
        )
    if not throttle.attempt_claim(key=_throttle_key(gallery, ip), limit=PER_HOUR, window=WINDOW):
        raise DownloadRefused(
            "throttled",
            f"You have downloaded this gallery {PER_HOUR} times in the last hour. Try again later.",
        )
    return GalleryZip(
        filename=gallery_zip_name(gallery, photo_set=photo_set, size=size),
        count=len(photos),
        archive=zip_stream(gallery_zip_entries(photos, size)),
    )
