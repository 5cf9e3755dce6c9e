"""Digital delivery: download grants (issue, revoke, re-issue, claim) and their files (R07, R08).

A grant's link carries a random token (256 bits from `secrets`); only its SHA-256 is stored, so a
leaked database does not leak working links, and a lookup by hash needs no constant-time compare.
Each download claims a use with ONE conditional UPDATE (`downloads < max_downloads`, not revoked,
not expired), so concurrent requests can never exceed the count.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePath

from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from zipstream import ZipStream

from proofsheet.catalog.models import ProductKind, Resolution
from proofsheet.core.errors import Gone, Invalid, NotFound
from proofsheet.core.tasks import enqueue_on_commit
from proofsheet.core.zipping import read_chunks, zip_stream
from proofsheet.fulfillment.models import DownloadGrant
from proofsheet.galleries.models import Photo, PhotoStatus
from proofsheet.galleries.processing import (
    photo_clean_download,
    photo_web_download,
    stored_size,
)
from proofsheet.imaging.errors import RejectedImage
from proofsheet.imaging.pipeline import FULL_EDGE, PRINT_EDGE
from proofsheet.notifications.services import email_queue_message

logger = logging.getLogger(__name__)


class GrantNotFound(NotFound):
    """No such grant (or not one this caller may use): answer 404."""


class GrantGone(Gone):
    """The grant exists but is used up, expired or revoked: answer 410."""

    code = "download_gone"

    def __init__(self, message: str = "", **kwargs) -> None:
        super().__init__(
            message
            or "This download link has expired, been used up or was withdrawn. Ask your "
            "photographer for a new one.",
            **kwargs,
        )


@dataclass(frozen=True)
class IssuedGrant:
    """A grant with its token, which exists only here: show it once, never store or log it."""

    grant: DownloadGrant
    token: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def _expiry():
    return timezone.now() + timedelta(days=settings.DOWNLOAD_GRANT_DAYS)


def grant_url(token: str) -> str:
    """The absolute link a buyer downloads a grant's file from."""
    return settings.SITE_URL + reverse("storefront:grant_download", args=[token])


def _photos_for_line(line) -> list[Photo]:
    if line.photo_id:
        return [line.photo] if line.photo else []
    if line.gallery_id:  # the whole gallery as digital: every ready photo, in gallery order
        return list(Photo.objects.filter(gallery_id=line.gallery_id, status=PhotoStatus.READY))
    return []


def grants_issue(order) -> list[IssuedGrant]:
    """One grant per digital line (per photo for a whole-gallery line); new ones only.

    Idempotent: a second call finds every grant already there and issues nothing.
    """
    issued: list[IssuedGrant] = []
    lines = order.lines.filter(kind=ProductKind.DIGITAL).select_related("photo")
    with transaction.atomic():
        for line in lines:
            have = set(line.grants.values_list("photo_id", flat=True))
            for photo in _photos_for_line(line):
                if photo.pk in have:
                    continue
                token, hashed = _new_token()
                grant = DownloadGrant.objects.create(
                    order_line=line,
                    photo=photo,
                    resolution=line.resolution or Resolution.FULL,
                    token_hash=hashed,
                    expires_at=_expiry(),
                    max_downloads=settings.DOWNLOAD_GRANT_MAX,
                )
                issued.append(IssuedGrant(grant, token))
        if issued:
            # Make the files now, in the worker, rather than in the buyer's first download.
            from proofsheet.fulfillment.tasks import prepare_grant_files

            enqueue_on_commit(prepare_grant_files, order.pk)
    return issued


def grant_files_prepare(order_id: int) -> int:
    """Make (and keep) the file of every live grant of an order; return how many exist now."""
    made = 0
    grants = DownloadGrant.objects.filter(
        order_line__order_id=order_id, revoked_at__isnull=True
    ).select_related("photo")
    for grant in grants:
        try:
            grant_file(grant)
        except RejectedImage:
            logger.warning("could not prepare the download of grant %s", grant.public_id)
            continue
        made += 1
    return made


def grants_revoke(order) -> int:
    """Revoke every live grant of an order (refund, cancellation); return how many."""
    return DownloadGrant.objects.filter(order_line__order=order, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), updated_at=timezone.now()
    )


def grants_freeze(order, frozen: bool) -> int:
    """Hold (or release) every live grant of an order while its payment is disputed."""
    return DownloadGrant.objects.filter(order_line__order=order, revoked_at__isnull=True).update(
        frozen_at=timezone.now() if frozen else None, updated_at=timezone.now()
    )


def grants_revoke_lines(lines) -> int:
    """Revoke the live grants of some order lines (those a partial refund gave back)."""
    return DownloadGrant.objects.filter(order_line__in=lines, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), updated_at=timezone.now()
    )


def grant_reissue(grant: DownloadGrant) -> IssuedGrant:
    """The seller gives a grant a new link, a full count and a new expiry; the buyer is emailed.

    The old link stops working at once. A revoked grant (refunded order) stays revoked.
    """
    if grant.revoked_at is not None:
        raise Invalid("This download was revoked (the order was refunded or cancelled).")
    token, hashed = _new_token()
    with transaction.atomic():
        DownloadGrant.objects.filter(pk=grant.pk).update(
            token_hash=hashed, downloads=0, expires_at=_expiry(), updated_at=timezone.now()
        )
        grant.refresh_from_db()
        order = grant.order_line.order
        email_queue_message(
            EmailMessage(
                subject=f"A new download link for order {order.number}",
                body=(
                    f"Your photographer sent you a new link for “{grant.photo}” "
                    f"({grant.resolution_label}). It works {grant.max_downloads} times "
                    f"until {grant.expires_at:%d %B %Y}:\n\n{grant_url(token)}\n"
                ),
                to=[order.email],
            )
        )
    return IssuedGrant(grant, token)


def _claim(lookup: Q) -> DownloadGrant:
    """Take one use of the grant matching `lookup` with a single conditional UPDATE.

    The grant is found first and the UPDATE filters on its own columns only: a filter across a
    join would make Django update through `id IN (subquery)`, whose count condition PostgreSQL
    does not re-check on the row a concurrent claim just changed.
    """
    found = DownloadGrant.objects.filter(lookup).values_list("pk", "token_hash").first()
    if found is None:
        raise GrantNotFound
    pk, hashed = found
    now = timezone.now()
    claimed = DownloadGrant.objects.filter(
        pk=pk,
        token_hash=hashed,  # a re-issue in between retires the link that was looked up
        downloads__lt=F("max_downloads"),
        revoked_at__isnull=True,
        frozen_at__isnull=True,
        expires_at__gt=now,
    ).update(downloads=F("downloads") + 1, updated_at=now)
    if not claimed:
        raise GrantGone
    return DownloadGrant.objects.select_related("photo", "order_line").get(pk=pk)


def grant_claim(token: str) -> DownloadGrant:
    """Use the grant behind a link's token once; raise GrantNotFound or GrantGone."""
    if not token or len(token) > 100:
        raise GrantNotFound
    return _claim(Q(token_hash=token_hash(token)))


def grant_claim_in_order(order, grant_public_id) -> DownloadGrant:
    """Use one of `order`'s grants once, by its public id (the order page's own links)."""
    return _claim(Q(public_id=grant_public_id, order_line__order=order))


def grants_for_order(order) -> list[DownloadGrant]:
    return list(
        DownloadGrant.objects.filter(order_line__order=order)
        .select_related("photo", "order_line")
        .order_by("order_line_id", "id")
    )


# --- the files ---------------------------------------------------------------------------


def grant_file(grant: DownloadGrant, *, make: bool = True) -> tuple[str, str, str]:
    """(private-storage key, file name, content type) of what the grant delivers.

    web → the clean web-size JPEG; print → a clean ≤ 3600 px JPEG; full → the original
    re-encoded without metadata (GPS), or as uploaded when DOWNLOAD_STRIP_GPS is off.
    Made on first request and kept in private storage (`make=False`: the key, made or not).
    """
    photo = grant.photo
    stem = PurePath(photo.original_name).stem or "photo"
    if grant.resolution == Resolution.WEB:
        return photo_web_download(photo, make=make), f"{stem}-web.jpg", "image/jpeg"
    if grant.resolution == Resolution.PRINT:
        key = photo_clean_download(photo, edge=PRINT_EDGE, label="print", make=make)
        return key, f"{stem}-print.jpg", "image/jpeg"
    if settings.DOWNLOAD_STRIP_GPS:
        key = photo_clean_download(photo, edge=FULL_EDGE, label="full", make=make)
        return key, f"{stem}.jpg", "image/jpeg"
    content_type = f"image/{'jpeg' if photo.format == 'jpeg' else photo.format}"
    return photo.original_key, photo.original_name, content_type


def grant_open(grant: DownloadGrant) -> tuple[File, str, str]:
    """The grant's file to send: (open file, file name, content type). GrantNotFound when the
    original cannot be made into the file bought (nothing to send)."""
    try:
        key, filename, content_type = grant_file(grant)
    except RejectedImage:
        raise GrantNotFound("This file cannot be made from the photo any more.") from None
    return storages["private"].open(key, "rb"), filename, content_type


def _lazy_file(grant: DownloadGrant) -> Iterator[bytes]:
    key, _name, _type = grant_file(grant)  # rendered (once) only when the ZIP reaches it
    yield from read_chunks(key)


def _claim_all(order) -> list[DownloadGrant]:
    """Take one use of every usable grant of the order in one locked UPDATE (one claim each;
    per-grant claims cost three queries a file, a third of a 100-photo ZIP's time)."""
    grants = grants_for_order(order)
    now = timezone.now()
    usable_q = Q(
        downloads__lt=F("max_downloads"),
        revoked_at__isnull=True,
        frozen_at__isnull=True,
        expires_at__gt=now,
    )
    with transaction.atomic():
        ids = list(
            DownloadGrant.objects.select_for_update()
            .filter(usable_q, pk__in=[grant.pk for grant in grants])
            .values_list("pk", flat=True)
        )
        claimed = DownloadGrant.objects.filter(usable_q, pk__in=ids).update(
            downloads=F("downloads") + 1, updated_at=now
        )
        all_at_once = claimed == len(ids)
        if not all_at_once:  # SQLite has no row locks: undo and claim one by one
            transaction.set_rollback(True)
    if not all_at_once:
        claims = (_claimed_or_none(order, grant) for grant in grants)
        return [grant for grant in claims if grant is not None]
    chosen = set(ids)
    return [grant for grant in grants if grant.pk in chosen]


def _claimed_or_none(order, grant):
    try:
        return grant_claim_in_order(order, grant.public_id)
    except GrantGone:
        return None


def order_zip(order) -> ZipStream:
    """ "Download all": each usable grant of the order claims one use and goes into one ZIP.

    Claims are taken before streaming starts, so the archive's contents are fixed; files are
    made (if not yet) and read in chunks as the ZIP reaches them. When every file is made
    already, the archive's length is known (`core.zipping.zip_length`). Raises GrantGone when no
    grant of the order can be used.
    """
    entries: list[tuple[str, Iterator[bytes], int | None]] = []
    names: set[str] = set()
    for claimed in _claim_all(order):
        stem = PurePath(claimed.photo.original_name).stem or "photo"
        name = f"{stem}-{claimed.resolution}.jpg"
        if (
            claimed.resolution == Resolution.FULL
            and not settings.DOWNLOAD_STRIP_GPS
            and claimed.photo.original_name
        ):
            name = f"{stem}-full{PurePath(claimed.photo.original_name).suffix.lower()}"
        base, n = name, 1
        while name in names:
            n += 1
            name = f"{PurePath(base).stem}-{n}{PurePath(base).suffix}"
        names.add(name)
        made = _made_file(claimed)
        if made is not None:
            entries.append((name, read_chunks(made[0]), made[1]))
        else:
            entries.append((name, _lazy_file(claimed), None))
    if not entries:
        raise GrantGone
    return zip_stream(entries)


def _made_file(grant: DownloadGrant) -> tuple[str, int] | None:
    """(key, size) of the grant's file when it is already made (the task makes them when the
    order is paid), else None: it is made when the ZIP reaches it, and the ZIP has no length."""
    key = grant_file(grant, make=False)[0]
    size = stored_size(key)
    return None if size is None else (key, size)


def order_zip_name(order) -> str:
    return f"{order.number}-downloads.zip"
