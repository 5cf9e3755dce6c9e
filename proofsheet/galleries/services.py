"""Gallery services: the only code that creates, changes or deletes galleries, sets and photos."""

from __future__ import annotations

import logging
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.db.models import Max, ProtectedError, Sum
from django.utils import timezone
from django.utils.text import get_valid_filename, slugify

from proofsheet.accounts.models import User
from proofsheet.accounts.services import seller_required
from proofsheet.core.dates import as_utc
from proofsheet.core.errors import Conflict, Forbidden, Invalid
from proofsheet.core.tasks import enqueue_on_commit
from proofsheet.galleries.models import (
    Gallery,
    Photo,
    PhotoSet,
    UploadBatch,
    Visibility,
    WatermarkSettings,
)
from proofsheet.galleries.processing import (
    batch_notify_if_done,
    gallery_reprocess,
    process_photo_task,
    stored_files_delete,
    stored_files_of,
)
from proofsheet.imaging.validation import RejectedImage, inspect_image

logger = logging.getLogger(__name__)

EDITABLE_GALLERY_FIELDS = {
    "title",
    "description",
    "event_date",
    "location",
    "visibility",
    "photo_order",
    "layout",
    "require_email",
    "expires_at",
    "show_exif",
    "downloads_enabled",
    "originals_downloadable",
    "selection_min",
    "selection_max",
    "selection_deadline",
}
# A sold photo's file is what its buyers download (their grants protect the row).
SOLD_PHOTOS_STAY = (
    "Clients have bought downloads of some of these photos, so they cannot be deleted: their "
    "orders still deliver them."
)

EDITABLE_PHOTO_FIELDS = {"title", "caption", "alt_text", "tags", "show_location"}


def _full_clean(obj, **kwargs: Any) -> None:
    """The model's own checks, refusing as our Invalid (with its fields) rather than Django's."""
    try:
        obj.full_clean(**kwargs)
    except ValidationError as error:
        raise Invalid.from_validation_error(error) from None


# --- galleries ------------------------------------------------------------------------------


def _unique_slug(title: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(title)[:100] or "gallery"
    others = Gallery.objects.exclude(pk=exclude_pk) if exclude_pk else Gallery.objects.all()
    slug = base
    while others.filter(slug=slug).exists():
        slug = f"{base}-{uuid.uuid4().hex[:6]}"
    return slug


def _check_rules(gallery: Gallery) -> None:
    for name in ("expires_at", "selection_deadline"):
        setattr(gallery, name, as_utc(getattr(gallery, name), name))
    low, high = gallery.selection_min, gallery.selection_max
    if low is not None and high is not None and low > high:
        raise Invalid({"selection_max": "The maximum cannot be below the minimum."})


def gallery_create(
    *, owner: User, title: str, visibility: str = Visibility.PRIVATE, **fields: Any
) -> Gallery:
    """Create a gallery (private unless told otherwise)."""
    seller_required(owner)
    title = title.strip()
    if not title:
        raise Invalid({"title": "A gallery needs a title."})
    unknown = set(fields) - EDITABLE_GALLERY_FIELDS
    if unknown:
        raise Invalid(f"Unknown gallery fields: {', '.join(sorted(unknown))}")
    gallery = Gallery(
        owner=owner, title=title, visibility=visibility, slug=_unique_slug(title), **fields
    )
    _check_rules(gallery)
    _full_clean(gallery)
    gallery.save()
    return gallery


def gallery_update(*, gallery: Gallery, **fields: Any) -> Gallery:
    """Change a gallery's editable fields."""
    unknown = set(fields) - EDITABLE_GALLERY_FIELDS - {"slug"}
    if unknown:
        raise Invalid(f"Unknown gallery fields: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(gallery, name, value.strip() if isinstance(value, str) else value)
    if "slug" in fields:
        gallery.slug = _unique_slug(fields["slug"] or gallery.title, exclude_pk=gallery.pk)
    _check_rules(gallery)
    _full_clean(gallery)
    gallery.save()
    return gallery


def gallery_delete(*, gallery: Gallery) -> None:
    """Delete a gallery with its photos and every stored file."""
    photos = Photo.objects.filter(gallery=gallery)
    keys = stored_files_of(photos)
    public_ids = list(photos.values_list("public_id", flat=True))
    try:
        with transaction.atomic():
            gallery.delete()
    except ProtectedError:
        raise Conflict(SOLD_PHOTOS_STAY, code="photo_sold") from None
    transaction.on_commit(lambda: stored_files_delete(keys, purge_photos=public_ids))


def gallery_set_cover(*, gallery: Gallery, photo: Photo) -> Gallery:
    if photo.gallery_id != gallery.pk:
        raise Invalid("The cover must be a photo of this gallery.")
    gallery.cover_photo = photo
    gallery.save(update_fields=["cover_photo", "updated_at"])
    return gallery


# --- sets -------------------------------------------------------------------------------


def photo_set_create(*, gallery: Gallery, name: str) -> PhotoSet:
    name = name.strip()
    if not name:
        raise Invalid({"name": "A set needs a name."})
    existing = PhotoSet.objects.filter(gallery=gallery, name=name).first()
    if existing:
        return existing
    last = PhotoSet.objects.filter(gallery=gallery).aggregate(m=Max("position"))["m"]
    return PhotoSet.objects.create(gallery=gallery, name=name, position=(last or 0) + 1)


def photo_set_rename(*, photo_set: PhotoSet, name: str) -> PhotoSet:
    name = name.strip()
    if not name:
        raise Invalid({"name": "A set needs a name."})
    if (
        PhotoSet.objects.filter(gallery_id=photo_set.gallery_id, name=name)
        .exclude(pk=photo_set.pk)
        .exists()
    ):
        raise Invalid({"name": "This gallery already has a set with that name."})
    photo_set.name = name
    photo_set.save(update_fields=["name", "updated_at"])
    return photo_set


def photo_set_delete(*, photo_set: PhotoSet) -> None:
    """Delete a set; its photos stay in the gallery."""
    photo_set.delete()


# --- ingest ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IngestResult:
    """The outcome for one file: a new photo, a duplicate of an existing one, or a rejection."""

    name: str
    photo: Photo | None = None
    duplicate_of: Photo | None = None
    rejected: str = ""

    @property
    def status(self) -> str:
        return "rejected" if self.rejected else "duplicate" if self.duplicate_of else "accepted"


def upload_batch_create(*, gallery: Gallery, owner: User) -> UploadBatch:
    return UploadBatch.objects.create(gallery=gallery, owner=owner)


def upload_batch_close(*, batch: UploadBatch) -> None:
    """No more files will join this batch: notify now if everything is already processed."""
    UploadBatch.objects.filter(pk=batch.pk).update(closed=True)
    batch_notify_if_done(batch.pk)


def clean_original_name(name: str) -> str:
    """Keep only a safe base name of what the client called the file (metadata, never a key)."""
    base = PurePath(str(name).replace("\\", "/")).name
    return (get_valid_filename(base) if base.strip(". ") else "")[:255] or "photo"


@contextmanager
def _spooled(source: IO[bytes] | Path) -> Iterator[Path]:
    """Yield a local path for the upload (copying a stream to a temporary file once)."""
    if isinstance(source, Path):
        yield source
        return
    if hasattr(source, "temporary_file_path"):  # Django already spooled a large upload to disk
        yield Path(source.temporary_file_path())
        return
    with tempfile.NamedTemporaryFile(prefix="proofsheet-ingest-", suffix=".upload") as tmp:
        shutil.copyfileobj(source, tmp, length=1024 * 1024)
        tmp.flush()
        yield Path(tmp.name)


def _check_quota(owner: User, size: int) -> None:
    limits = settings.PHOTOS
    if size > limits["MAX_FILE_BYTES"]:
        raise RejectedImage(
            f"The file is larger than the limit of {limits['MAX_FILE_BYTES'] // 1024**2} MB.",
            code="too_large",
        )
    used = Photo.objects.filter(owner=owner).aggregate(n=Sum("size"))["n"] or 0
    count = Photo.objects.filter(owner=owner).count()
    if count + 1 > limits["QUOTA_PHOTOS"]:
        raise RejectedImage("Your storage quota is full (number of photos).", code="quota")
    if used + size > limits["QUOTA_BYTES"]:
        raise RejectedImage("Your storage quota is full.", code="quota")


def photo_ingest(
    *,
    gallery: Gallery,
    owner: User,
    source: IO[bytes] | Path,
    original_name: str,
    photo_set: PhotoSet | None = None,
    batch: UploadBatch | None = None,
) -> IngestResult:
    """Validate one file, store the original privately and queue its processing.

    Never raises for a bad file: the result says why it was rejected or what it duplicates.
    """
    if gallery.owner_id != owner.pk:
        raise Forbidden("Not your gallery.")
    name = clean_original_name(original_name)
    with _spooled(source) as path:
        try:
            _check_quota(owner, path.stat().st_size)
            info = inspect_image(path, max_pixels=settings.PHOTOS["MAX_PIXELS"])
        except RejectedImage as exc:
            # Structured record for R14: what was rejected, why, and what it looked like.
            logger.info(
                "rejected upload name=%r gallery=%s code=%s format=%s sha256=%s: %s",
                name,
                gallery.public_id,
                exc.cause,
                exc.format,
                exc.sha256,
                exc.reason,
            )
            return IngestResult(name=name, rejected=exc.reason)
        existing = Photo.objects.filter(gallery=gallery, sha256=info.sha256).first()
        if existing:
            return IngestResult(name=name, duplicate_of=existing)
        key = f"originals/{owner.public_id}/{uuid.uuid4().hex}{info.extension}"
        with path.open("rb") as fh:
            stored_key = storages["private"].save(key, File(fh))
    try:
        with transaction.atomic():
            position = (
                Photo.objects.filter(gallery=gallery).aggregate(m=Max("position"))["m"] or 0
            ) + 1
            photo = Photo.objects.create(
                gallery=gallery,
                owner=owner,
                photo_set=photo_set,
                batch=batch,
                original_key=stored_key,
                original_name=name,
                sha256=info.sha256,
                size=info.size,
                format=info.format,
                title=PurePath(name).stem[:200],
                position=position,
            )
            enqueue_on_commit(process_photo_task(), str(photo.public_id))
    except IntegrityError:
        # The same file arrived twice at once: keep the first, drop our copy.
        storages["private"].delete(stored_key)
        existing = Photo.objects.filter(gallery=gallery, sha256=info.sha256).first()
        if existing is None:
            raise
        return IngestResult(name=name, duplicate_of=existing)
    except BaseException:
        storages["private"].delete(stored_key)  # no row, so no file either
        raise
    return IngestResult(name=name, photo=photo)


# --- editing --------------------------------------------------------------------------------


def _clean_tags(tags: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for tag in tags:
        tag = str(tag).strip().lower()[:50]
        if tag:
            seen.setdefault(tag)
    return list(seen)[:50]


def photo_update(*, photo: Photo, **fields: Any) -> Photo:
    """Change a photo's title, caption, alt text, tags or location display."""
    unknown = set(fields) - EDITABLE_PHOTO_FIELDS
    if unknown:
        raise Invalid(f"Unknown photo fields: {', '.join(sorted(unknown))}")
    if "tags" in fields:
        fields["tags"] = _clean_tags(fields["tags"])
    for name, value in fields.items():
        setattr(photo, name, value.strip() if isinstance(value, str) else value)
    _full_clean(photo, exclude=["gallery", "owner", "photo_set", "batch"])
    photo.save()
    return photo


def photos_bulk_update(
    *, gallery: Gallery, photo_ids: Iterable[str], add_tags: Iterable[str] = (), **fields: Any
) -> int:
    """Apply the same edits to many photos of a gallery; return how many changed."""
    photos = list(Photo.objects.filter(gallery=gallery, public_id__in=list(photo_ids)))
    extra = _clean_tags(add_tags)
    with transaction.atomic():
        for photo in photos:
            changes = dict(fields)
            if extra:
                changes["tags"] = _clean_tags([*photo.tags, *extra])
            photo_update(photo=photo, **changes)
    return len(photos)


def photos_move(*, gallery: Gallery, photo_ids: Iterable[str], photo_set: PhotoSet | None) -> int:
    """Move photos into a set of the same gallery (None: out of any set)."""
    if photo_set is not None and photo_set.gallery_id != gallery.pk:
        raise Invalid("That set belongs to another gallery.")
    return Photo.objects.filter(gallery=gallery, public_id__in=list(photo_ids)).update(
        photo_set=photo_set, updated_at=timezone.now()
    )


def photos_reorder(*, gallery: Gallery, photo_ids: list[str]) -> None:
    """Set the custom order: the given photos first, in this order, then the rest as they were."""
    by_id = {str(p.public_id): p for p in Photo.objects.filter(gallery=gallery)}
    ordered = [by_id[i] for i in dict.fromkeys(photo_ids) if i in by_id]
    rest = sorted(
        (p for i, p in by_id.items() if i not in set(photo_ids)), key=lambda p: (p.position, p.pk)
    )
    with transaction.atomic():
        for position, photo in enumerate([*ordered, *rest], start=1):
            if photo.position != position:
                Photo.objects.filter(pk=photo.pk).update(position=position)
        Gallery.objects.filter(pk=gallery.pk).update(photo_order="custom")


def photo_move_to_position(*, photo: Photo, position: int) -> None:
    """Put one photo at a 1-based position of its gallery's custom order (keyboard-friendly)."""
    ordered = [
        str(p)
        for p in Photo.objects.filter(gallery_id=photo.gallery_id)
        .order_by("position", "id")
        .values_list("public_id", flat=True)
    ]
    ordered.remove(str(photo.public_id))
    ordered.insert(max(0, min(position - 1, len(ordered))), str(photo.public_id))
    photos_reorder(gallery=photo.gallery, photo_ids=ordered)


def photos_delete(*, gallery: Gallery, photo_ids: Iterable[str]) -> int:
    """Delete photos and, after commit, their original and renditions."""
    photos = Photo.objects.filter(gallery=gallery, public_id__in=list(photo_ids))
    keys = stored_files_of(photos)
    public_ids = list(photos.values_list("public_id", flat=True))
    try:
        with transaction.atomic():
            Gallery.objects.filter(pk=gallery.pk, cover_photo__in=photos).update(cover_photo=None)
            photos.delete()
    except ProtectedError:
        raise Conflict(SOLD_PHOTOS_STAY, code="photo_sold") from None
    transaction.on_commit(lambda: stored_files_delete(keys, purge_photos=public_ids))
    return len(public_ids)


# --- watermark -----------------------------------------------------------------------------


def watermark_update(
    *, owner: User, gallery: Gallery | None = None, logo: IO[bytes] | None = None, **fields: Any
) -> WatermarkSettings:
    """Save the photographer's watermark (or a gallery's override) and regenerate previews."""
    seller_required(owner)
    if gallery is not None and gallery.owner_id != owner.pk:
        raise Forbidden("Not your gallery.")
    watermark = WatermarkSettings.objects.filter(
        owner=owner, gallery=gallery
    ).first() or WatermarkSettings(owner=owner, gallery=gallery)
    allowed = {"enabled", "text", "position", "opacity", "size"}
    for name, value in fields.items():
        if name not in allowed:
            raise Invalid(f"Unknown watermark field: {name}")
        setattr(watermark, name, value)
    if logo is not None:
        with _spooled(logo) as path:
            try:
                info = inspect_image(path, max_pixels=25_000_000)
            except RejectedImage as exc:
                raise Invalid({"logo": exc.reason}) from exc
            if info.format not in ("png", "webp"):
                raise Invalid({"logo": "The logo must be a PNG or WebP image."})
            with path.open("rb") as fh:
                old_logo = watermark.logo_key
                watermark.logo_key = storages["private"].save(
                    f"watermarks/{owner.public_id}/{uuid.uuid4().hex}{info.extension}", File(fh)
                )
            if old_logo:
                transaction.on_commit(lambda: stored_files_delete({("private", old_logo)}))
    _full_clean(watermark)
    watermark.save()
    galleries = (
        [gallery]
        if gallery is not None
        else list(Gallery.objects.filter(owner=owner, watermark__isnull=True))
    )
    for each in galleries:
        gallery_reprocess(gallery=each)
    return watermark
