"""Photo processing: renditions, purchase and web download files, and their storage.

`services` (galleries, sets, ingest, editing) queues this work; the `process_photo` task runs it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path, PurePath

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from proofsheet.core.tasks import enqueue_on_commit
from proofsheet.galleries.models import (
    Gallery,
    Photo,
    PhotoStatus,
    UploadBatch,
    WatermarkSettings,
)
from proofsheet.imaging.pipeline import (
    RenderResult,
    Watermark,
    render_clean_download,
    render_photo,
    render_web_download,
)
from proofsheet.imaging.validation import RejectedImage
from proofsheet.notifications.services import notification_create

logger = logging.getLogger(__name__)

# Bump when the rendition set changes (sizes, formats, quality): every photo gets new URLs.
PIPELINE_VERSION = "2"


def process_photo_task():
    from proofsheet.galleries.tasks import process_photo

    return process_photo


# --- processing -----------------------------------------------------------------------------


def effective_watermark(gallery: Gallery) -> WatermarkSettings | None:
    """The gallery's override if it has one, else the photographer's default, if enabled."""
    chosen = (
        WatermarkSettings.objects.filter(gallery=gallery).first()
        or WatermarkSettings.objects.filter(owner_id=gallery.owner_id, gallery__isnull=True).first()
    )
    if chosen is None or not chosen.enabled or not (chosen.text or chosen.logo_key):
        return None
    return chosen


def _watermark_spec(watermark: WatermarkSettings | None) -> dict:
    if watermark is None:
        return {}
    return {
        "text": watermark.text,
        "logo": watermark.logo_key,
        "position": watermark.position,
        "opacity": round(watermark.opacity, 3),
        "size": round(watermark.size, 3),
    }


def rendition_version(
    photo: Photo, watermark: WatermarkSettings | None, salt: str | None = None
) -> str:
    """A short hash of everything that determines the renditions' pixels, and of the gallery's
    media salt (its URLs): the version is a folder in every rendition's key."""
    spec = json.dumps([PIPELINE_VERSION, photo.sha256, _watermark_spec(watermark)], sort_keys=True)
    pixels = hashlib.sha256(spec.encode()).hexdigest()[:16]
    salt = photo.gallery.media_salt if salt is None else salt
    return hashlib.sha256(f"{pixels}:{salt}".encode()).hexdigest()[:16] if salt else pixels


def gallery_renditions_rekey(gallery_id: int, old_salt: str) -> int:
    """Move the renditions made under `old_salt` to the gallery's current salt (new URLs) without
    re-rendering; idempotent. Return how many photos moved."""
    gallery = Gallery.objects.filter(pk=gallery_id).first()
    if gallery is None:
        return 0
    watermark = effective_watermark(gallery)
    public = storages["public"]
    moved = 0
    for photo in Photo.objects.filter(gallery=gallery, status=PhotoStatus.READY):
        photo.gallery = gallery
        old = rendition_version(photo, watermark, salt=old_salt)
        new = rendition_version(photo, watermark)
        if photo.rendition_version != old or old == new:
            continue  # already moved, or re-rendered since: photo_process owns it
        renditions = {}
        for name, entry in photo.renditions.items():
            renditions[name] = dict(entry)
            for fmt in ("webp", "jpeg", "avif"):
                if entry.get(fmt):
                    key = entry[fmt].replace(f"/{old}/", f"/{new}/", 1)
                    with public.open(entry[fmt], "rb") as source:
                        public.save(key, source)
                    renditions[name][fmt] = key
        updated = Photo.objects.filter(pk=photo.pk, rendition_version=old).update(
            rendition_version=new, renditions=renditions
        )
        if updated:
            moved += 1
            _purge_renditions(photo.public_id, keep_version=new)
    return moved


@contextmanager
def _local_copy(storage_alias: str, key: str, suffix: str) -> Iterator[Path]:
    """Yield a local path of a stored file (the file itself on local disk, else a temp copy)."""
    storage = storages[storage_alias]
    try:
        yield Path(storage.path(key))
        return
    except NotImplementedError:
        pass
    with tempfile.NamedTemporaryFile(prefix="proofsheet-", suffix=suffix) as tmp:
        with storage.open(key, "rb") as fh:
            shutil.copyfileobj(fh, tmp, length=1024 * 1024)
        tmp.flush()
        yield Path(tmp.name)


def _render(photo: Photo, watermark: WatermarkSettings | None) -> RenderResult:
    suffix = PurePath(photo.original_key).suffix
    with _local_copy("private", photo.original_key, suffix) as path:
        if watermark is not None and watermark.logo_key:
            with _local_copy("private", watermark.logo_key, ".png") as logo:
                spec = Watermark(
                    logo_path=logo,
                    text=watermark.text,
                    position=watermark.position,
                    opacity=watermark.opacity,
                    size=watermark.size,
                )
                return render_photo(path, watermark=spec, max_pixels=settings.PHOTOS["MAX_PIXELS"])
        text_only = (
            Watermark(
                text=watermark.text,
                position=watermark.position,
                opacity=watermark.opacity,
                size=watermark.size,
            )
            if watermark is not None
            else None
        )
        return render_photo(path, watermark=text_only, max_pixels=settings.PHOTOS["MAX_PIXELS"])


def _download_key(public_id, sha256: str, label: str) -> str:
    """Where the clean download `label` ("web", "print", "full") of a photo is kept."""
    return f"downloads/{public_id}/{sha256[:16]}-{PIPELINE_VERSION}-{label}.jpg"


def stored_size(key: str, storage_alias: str = "private") -> int | None:
    """The size of a stored file in bytes (one stat, or one HEAD on S3), None when it is not
    there (yet)."""
    try:
        return storages[storage_alias].size(key)
    except FileNotFoundError:
        return None


def photo_web_download(photo: Photo, *, make: bool = True) -> str:
    """The private-storage key of the photo's clean web-size JPEG, made on first request
    (`make=False`: only the key, made or not)."""
    return _kept_download(photo, "web", render_web_download if make else None)


def photo_clean_download(photo: Photo, *, edge: int, label: str, make: bool = True) -> str:
    """The private-storage key of a clean JPEG ≤ `edge` px without metadata (a purchase's file),
    made on first request like `photo_web_download`; `label` names the size in the key."""
    render = partial(render_clean_download, edge=edge) if make else None
    return _kept_download(photo, label, render)


def _kept_download(photo: Photo, label: str, render) -> str:
    """The key of a clean download, rendered from the original and kept when `render` is given
    and the file is not there yet."""
    key = _download_key(photo.public_id, photo.sha256, label)
    private = storages["private"]
    if render is not None and not private.exists(key):
        suffix = PurePath(photo.original_key).suffix
        with _local_copy("private", photo.original_key, suffix) as path:
            data = render(path, max_pixels=settings.PHOTOS["MAX_PIXELS"])
        private.save(key, ContentFile(data, name=key))
    return key


def rendition_key(photo: Photo, version: str, name: str, fmt: str) -> str:
    extension = "jpg" if fmt == "jpeg" else fmt
    return f"renditions/{photo.public_id}/{version}/{name}.{extension}"


def _store_renditions(photo: Photo, version: str, result: RenderResult) -> dict:
    public = storages["public"]
    renditions: dict[str, dict] = {}
    for rendition in result.renditions:
        key = rendition_key(photo, version, rendition.name, rendition.format)
        # Deterministic keys and an overwriting storage: a re-run replaces, never duplicates.
        public.save(key, ContentFile(rendition.data, name=key))
        entry = renditions.setdefault(rendition.name, {"w": rendition.width, "h": rendition.height})
        entry[rendition.format] = key
    return renditions


def photo_process(public_id: str) -> str:
    """Render a photo's renditions; idempotent. Return the photo's status afterwards.

    Safe to run twice or after a worker died mid-photo: renditions go to deterministic keys of
    the current version, and older versions' files are removed only after the new ones are saved.
    """
    photo = Photo.objects.select_related("gallery").filter(public_id=public_id).first()
    if photo is None:
        return "gone"
    watermark = effective_watermark(photo.gallery)
    version = rendition_version(photo, watermark)
    if photo.status == PhotoStatus.READY and photo.rendition_version == version:
        return photo.status
    # A ready photo getting new renditions (a new watermark) stays visible with its old ones.
    Photo.objects.filter(pk=photo.pk).exclude(status=PhotoStatus.READY).update(
        status=PhotoStatus.PROCESSING
    )
    Photo.objects.filter(pk=photo.pk).update(attempts=F("attempts") + 1)
    try:
        result = _render(photo, watermark)
    except RejectedImage as exc:
        _finish_failed(photo, exc.reason)
        return PhotoStatus.FAILED
    renditions = _store_renditions(photo, version, result)
    meta = result.metadata
    updated = Photo.objects.filter(pk=photo.pk).update(
        status=PhotoStatus.READY,
        failure_reason="",
        width=result.width,
        height=result.height,
        captured_at=_aware(meta.captured_at),
        exif=meta.as_dict(),
        gps_latitude=meta.gps_latitude,
        gps_longitude=meta.gps_longitude,
        placeholder=result.placeholder,
        palette=result.palette,
        rendition_version=version,
        renditions=renditions,
        processed_at=timezone.now(),
    )
    if updated:  # a gallery without a chosen cover shows its first ready photo
        Gallery.objects.filter(pk=photo.gallery_id, cover_photo__isnull=True).update(
            cover_photo=photo
        )
    if not updated:  # deleted while we rendered: leave nothing behind
        _purge_renditions(photo.public_id)
        return "gone"
    # Older versions (and any left by a run that died between saving and recording) go now.
    transaction.on_commit(lambda: _purge_renditions(photo.public_id, keep_version=version))
    _after_photo_done(photo)
    return PhotoStatus.READY


def photo_processing_failed(public_id: str, reason: str) -> None:
    """Mark a photo failed after its last attempt raised an unexpected error."""
    photo = Photo.objects.filter(public_id=public_id).first()
    if photo is not None:
        _finish_failed(photo, reason)


def _finish_failed(photo: Photo, reason: str) -> None:
    # A ready photo whose re-rendering failed keeps its current renditions.
    Photo.objects.filter(pk=photo.pk).exclude(status=PhotoStatus.READY).update(
        status=PhotoStatus.FAILED, failure_reason=reason[:300]
    )
    _after_photo_done(photo)


def _aware(value):
    if value is None or timezone.is_aware(value):
        return value
    # Cameras record local time without a zone; store it as if UTC so it sorts and shows as shot.
    return timezone.make_aware(value, timezone.UTC)


def _after_photo_done(photo: Photo) -> None:
    if photo.batch_id:
        batch_notify_if_done(photo.batch_id)


def batch_notify_if_done(batch_id: int) -> None:
    pending = Photo.objects.filter(
        batch_id=batch_id, status__in=[PhotoStatus.UPLOADED, PhotoStatus.PROCESSING]
    ).exists()
    if pending:
        return
    # Claim the notification with a conditional update, so it is sent exactly once.
    claimed = UploadBatch.objects.filter(pk=batch_id, closed=True, notified_at__isnull=True).update(
        notified_at=timezone.now()
    )
    if not claimed:
        return
    batch = UploadBatch.objects.select_related("gallery", "owner").get(pk=batch_id)
    photos = Photo.objects.filter(batch_id=batch_id)
    ready = photos.filter(status=PhotoStatus.READY).count()
    failed = photos.filter(status=PhotoStatus.FAILED).count()
    message = f"{ready} photo{'s' if ready != 1 else ''} ready in “{batch.gallery.title}”"
    if failed:
        message += f", {failed} failed"
    notification_create(
        user=batch.owner, message=message, url=f"/studio/galleries/{batch.gallery.public_id}/"
    )


def photo_retry(*, photo: Photo) -> Photo:
    """Queue a failed photo for processing again."""
    updated = Photo.objects.filter(pk=photo.pk, status=PhotoStatus.FAILED).update(
        status=PhotoStatus.UPLOADED, failure_reason=""
    )
    if updated:
        enqueue_on_commit(process_photo_task(), str(photo.public_id))
    photo.refresh_from_db()
    return photo


def gallery_media_salt_rotate(*, gallery: Gallery) -> None:
    """New rendition URLs for the whole gallery (after a code rotation); files move on commit."""
    old_salt = gallery.media_salt
    gallery.media_salt = secrets.token_hex(8)
    gallery.save(update_fields=["media_salt", "updated_at"])
    from proofsheet.galleries.tasks import rekey_renditions

    enqueue_on_commit(rekey_renditions, gallery.pk, old_salt)


def gallery_reprocess(*, gallery: Gallery) -> int:
    """Queue every photo of a gallery for new renditions (e.g. after a watermark change)."""
    ids = list(
        Photo.objects.filter(gallery=gallery)
        .exclude(status=PhotoStatus.FAILED)
        .values_list("public_id", flat=True)
    )
    for public_id in ids:
        enqueue_on_commit(process_photo_task(), str(public_id))
    return len(ids)


# --- files -----------------------------------------------------------------------------------


def _rendition_keys(renditions: dict) -> set[tuple[str, str]]:
    keys = set()
    for entry in renditions.values():
        for fmt in ("webp", "jpeg", "avif"):
            if entry.get(fmt):
                keys.add(("public", entry[fmt]))
    return keys


def stored_files_of(photos) -> set[tuple[str, str]]:
    keys: set[tuple[str, str]] = set()
    rows = photos.values_list("original_key", "renditions", "public_id", "sha256")
    for original_key, renditions, public_id, sha256 in rows:
        keys.add(("private", original_key))
        keys.add(("private", _download_key(public_id, sha256, "web")))
        keys |= _rendition_keys(renditions or {})
    return keys


def stored_files_delete(keys: Iterable[tuple[str, str]], purge_photos: Iterable = ()) -> None:
    for alias, key in keys:
        try:
            storages[alias].delete(key)
        except Exception:  # a missing file is no reason to fail a deletion
            logger.warning("could not delete %s file %s", alias, key, exc_info=True)
    for public_id in purge_photos:
        _purge_renditions(public_id)


def _purge_renditions(public_id, keep_version: str | None = None) -> None:
    """Delete every rendition version of a photo except `keep_version`."""
    public = storages["public"]
    prefix = f"renditions/{public_id}"
    try:
        versions, _ = public.listdir(prefix)
    except FileNotFoundError:
        return
    for version in versions:
        if version == keep_version:
            continue
        _, files = public.listdir(f"{prefix}/{version}")
        for name in files:
            public.delete(f"{prefix}/{version}/{name}")
        _remove_empty_dir(public, f"{prefix}/{version}")
    if keep_version is None:
        _remove_empty_dir(public, prefix)


def _remove_empty_dir(storage, name: str) -> None:
    """Local disk keeps empty folders; object stores have none."""
    with suppress(NotImplementedError, OSError):
        Path(storage.path(name)).rmdir()
