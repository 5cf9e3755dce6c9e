"""Favourites, named lists, comments and submitted selections (services: they write).

A visitor (signed-in client or guest known by email) keeps lists in a gallery. Submitting a list
checks the gallery's rules (minimum, maximum, deadline), locks it and tells the photographer; the
photographer can reopen it. Rights come from `access.Access`: guests (view-only code) cannot write.
"""

from __future__ import annotations

import csv
import io

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from proofsheet.core.errors import Conflict, Forbidden, Invalid, NotFound
from proofsheet.galleries.access import Access
from proofsheet.galleries.models import (
    Favourite,
    FavouriteList,
    Gallery,
    GalleryVisitor,
    Photo,
    PhotoComment,
    PhotoStatus,
)
from proofsheet.galleries.selectors import as_public_id
from proofsheet.notifications.services import email_queue_message, notification_create

DEFAULT_LIST = FavouriteList.DEFAULT_NAME
MAX_LISTS = 20


class ListLocked(Conflict):
    """The list was submitted; it changes again only when the photographer reopens it."""

    code = "list_locked"


class ListNotFound(NotFound):
    """Not one of the visitor's lists (a stale id, or a list of someone else)."""

    def __init__(self) -> None:
        super().__init__("That list no longer exists.")


def _writer(access: Access) -> None:
    if not access.can_interact:
        raise Forbidden("A guest code gives view-only access.", code="client_code_required")
    if not access.email:
        raise Forbidden(
            "Tell us your email first, so your picks are kept for you.", code="email_required"
        )


def visitor_for(access: Access) -> GalleryVisitor:
    """The visitor record behind an access (created on first write)."""
    _writer(access)
    email = access.email.strip().lower()
    visitor = GalleryVisitor.objects.filter(gallery=access.gallery, email=email).first()
    if visitor is None:
        try:
            with transaction.atomic():
                visitor = GalleryVisitor.objects.create(
                    gallery=access.gallery, email=email, user_id=access.user_id
                )
        except IntegrityError:  # a parallel first write created it
            visitor = GalleryVisitor.objects.get(gallery=access.gallery, email=email)
    elif access.user_id and visitor.user_id is None:
        GalleryVisitor.objects.filter(pk=visitor.pk).update(user_id=access.user_id)
    return visitor


def _default_list(visitor: GalleryVisitor) -> FavouriteList:
    favourite_list, _ = FavouriteList.objects.get_or_create(
        visitor=visitor, name=DEFAULT_LIST, defaults={"gallery_id": visitor.gallery_id}
    )
    return favourite_list


def favourite_list_create(*, access: Access, name: str) -> FavouriteList:
    visitor = visitor_for(access)
    name = " ".join(name.split())[:80]
    if not name:
        raise Invalid({"name": "Give the list a name."})
    if FavouriteList.objects.filter(visitor=visitor).count() >= MAX_LISTS:
        raise Invalid({"name": f"You can keep up to {MAX_LISTS} lists."})
    try:
        with transaction.atomic():
            return FavouriteList.objects.create(visitor=visitor, gallery=access.gallery, name=name)
    except IntegrityError:
        raise Invalid({"name": "You already have a list with that name."}) from None


def _list_for(access: Access, list_id) -> FavouriteList:
    """The visitor's own list (the default one when `list_id` is empty)."""
    visitor = visitor_for(access)
    if not list_id:
        return _default_list(visitor)
    list_id = as_public_id(list_id)
    found = (
        FavouriteList.objects.filter(visitor=visitor, public_id=list_id).first()
        if list_id
        else None
    )
    if found is None:
        raise ListNotFound()
    return found


def _photo_in(access: Access, photo: Photo) -> None:
    if photo.gallery_id != access.gallery.pk or photo.status != PhotoStatus.READY:
        raise NotFound()


def favourite_set(*, access: Access, photo: Photo, on: bool, list_id=None) -> bool:
    """Mark or unmark a favourite; idempotent. Return whether the photo is now in the list."""
    _photo_in(access, photo)
    with transaction.atomic():
        favourite_list = FavouriteList.objects.select_for_update().get(
            pk=_list_for(access, list_id).pk
        )
        if favourite_list.locked:
            raise ListLocked(
                f"“{favourite_list.name}” was sent to your photographer; ask them to reopen it."
            )
        if on:
            Favourite.objects.get_or_create(favourite_list=favourite_list, photo=photo)
        else:
            Favourite.objects.filter(favourite_list=favourite_list, photo=photo).delete()
        FavouriteList.objects.filter(pk=favourite_list.pk).update(updated_at=timezone.now())
    return on


def selection_problem(gallery: Gallery, count: int, *, now=None) -> str | None:
    """Why a selection of `count` photos cannot be submitted now, or None."""
    now = now or timezone.now()
    if gallery.selection_deadline and now > gallery.selection_deadline:
        return "The deadline for choosing has passed; contact your photographer."
    if count == 0:
        return "Pick at least one photo first."
    if gallery.selection_min and count < gallery.selection_min:
        return f"Pick at least {gallery.selection_min} photos ({count} so far)."
    if gallery.selection_max and count > gallery.selection_max:
        return f"Pick at most {gallery.selection_max} photos ({count} so far)."
    return None


def favourite_list_submit(*, access: Access, list_id=None, note: str = "") -> FavouriteList:
    """Send a list to the photographer when the gallery's rules allow; it locks."""
    with transaction.atomic():
        favourite_list = FavouriteList.objects.select_for_update().get(
            pk=_list_for(access, list_id).pk
        )
        if favourite_list.locked:
            raise ListLocked(f"“{favourite_list.name}” was already sent.")
        count = favourite_list.items.count()
        problem = selection_problem(access.gallery, count)
        if problem:
            raise Invalid(problem)
        favourite_list.submitted_at = timezone.now()
        favourite_list.save(update_fields=["submitted_at", "updated_at"])
        _tell_photographer(access, favourite_list, count, note.strip()[:1000])
    return favourite_list


def _tell_photographer(access: Access, favourite_list: FavouriteList, count: int, note: str):
    gallery = access.gallery
    owner = gallery.owner
    path = reverse("studio:selections", args=[gallery.public_id])
    message = f"{access.email} sent {count} picks (“{favourite_list.name}”) in “{gallery.title}”."
    notification_create(user=owner, message=message, url=path)
    body = f"{message}\n\n" + (f"Their note: {note}\n\n" if note else "")
    email_queue_message(
        EmailMessage(
            subject=f"New selection in “{gallery.title}”",
            body=f"{body}See it and export it: {settings.SITE_URL}{path}\n",
            to=[owner.email],
        )
    )


def favourite_list_reopen(*, gallery: Gallery, list_id) -> FavouriteList:
    """The photographer unlocks a submitted list so the client can change it."""
    list_id = as_public_id(list_id)
    favourite_list = (
        FavouriteList.objects.select_related("visitor")
        .filter(gallery=gallery, public_id=list_id)
        .first()
        if list_id
        else None
    )
    if favourite_list is None:
        raise ListNotFound()
    if favourite_list.locked:
        favourite_list.submitted_at = None
        favourite_list.save(update_fields=["submitted_at", "updated_at"])
        path = reverse("storefront:gallery", args=[gallery.public_id])
        email_queue_message(
            EmailMessage(
                subject=f"You can change your picks in “{gallery.title}” again",
                body=(
                    f"Your photographer reopened “{favourite_list.name}”. Change it and send it "
                    f"again when you are ready:\n\n{settings.SITE_URL}{path}\n"
                ),
                to=[favourite_list.visitor.email],
            )
        )
    return favourite_list


def photo_comment_add(*, access: Access, photo: Photo, body: str) -> PhotoComment:
    _photo_in(access, photo)
    body = body.strip()
    if not body:
        raise Invalid({"body": "Write something first."})
    if len(body) > 2000:
        raise Invalid({"body": "Keep comments under 2,000 characters."})
    visitor = visitor_for(access)
    with transaction.atomic():
        comment = PhotoComment.objects.create(photo=photo, visitor=visitor, body=body)
        if not access.is_owner:
            notification_create(
                user=access.gallery.owner,
                message=f"{visitor.email} commented on {photo.original_name}: {body[:120]}",
                url=reverse("studio:selections", args=[access.gallery.public_id]),
            )
    return comment


def photo_comment_delete(*, access: Access, comment_id) -> None:
    visitor = visitor_for(access)
    comment_id = as_public_id(comment_id)
    comments = PhotoComment.objects.filter(public_id=comment_id, visitor=visitor)
    deleted = comments.delete()[0] if comment_id else 0
    if not deleted:
        raise NotFound()


# --- exports ---------------------------------------------------------------------------


def selection_csv(favourite_list: FavouriteList) -> str:
    """One row per pick: file name, title, capture time, the client's comments."""
    photos = [item.photo for item in favourite_list.items.select_related("photo")]
    comments: dict[int, list[str]] = {}
    for comment in PhotoComment.objects.filter(
        photo__in=photos, visitor=favourite_list.visitor
    ).order_by("created_at"):
        comments.setdefault(comment.photo_id, []).append(comment.body)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["file_name", "title", "captured_at", "list", "client", "comments"])
    for photo in photos:
        writer.writerow(
            [
                _csv_safe(photo.original_name),
                _csv_safe(photo.title),
                photo.captured_at.isoformat() if photo.captured_at else "",
                _csv_safe(favourite_list.name),
                _csv_safe(favourite_list.visitor.email),  # a valid address can be a formula
                _csv_safe(" | ".join(comments.get(photo.pk, []))),
            ]
        )
    return out.getvalue()


def selection_csv_name(favourite_list: FavouriteList) -> str:
    """A file name that says whose picks these are: gallery, client, list."""
    who = favourite_list.visitor.email.split("@")[0]
    title = favourite_list.gallery.title
    stem = slugify(f"{title} {who} {favourite_list.name}")[:100].strip("-")
    return f"{stem or 'selection'}.csv"


def _csv_safe(value: str) -> str:
    """Neutralise spreadsheet formulas in client-typed text (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def lightroom_filter(favourite_list: FavouriteList) -> str:
    """File names without extensions joined by commas: paste into Lightroom's Text filter
    ("Filename" "Contains") to show exactly the client's picks."""
    names = []
    for name in favourite_list.items.values_list("photo__original_name", flat=True):
        stem = name.rsplit(".", 1)[0] if "." in name else name
        if stem not in names:
            names.append(stem)
    return ", ".join(names)
