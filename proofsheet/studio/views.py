"""The photographer's studio: galleries, uploads, photo editing, watermark, notifications."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from proofsheet.core.errors import DomainError, Invalid
from proofsheet.core.http import csv_response
from proofsheet.core.web import redirect_next, refuse
from proofsheet.flows import galleries as flow
from proofsheet.fulfillment.shipping import print_sales_without_shipping
from proofsheet.galleries import access, client_selectors, processing, proofing, selectors, services
from proofsheet.galleries.models import (
    FavouriteList,
    Gallery,
    Photo,
    PhotoStatus,
    Visibility,
    WatermarkSettings,
)
from proofsheet.notifications.selectors import notifications_recent, notifications_unread_count
from proofsheet.notifications.services import notifications_mark_read
from proofsheet.payments.selectors import payout_status
from proofsheet.studio import tus
from proofsheet.studio.common import (
    found,
    owned_gallery,
    owned_photo,
    owned_set,
    photographer_required,
)
from proofsheet.studio.forms import (
    BulkForm,
    DownloadPinForm,
    GalleryForm,
    PhotoForm,
    PositionForm,
    SetForm,
    WatermarkForm,
)


@photographer_required
def dashboard(request):
    return render(
        request,
        "studio/dashboard.html",
        {
            "galleries": selectors.galleries_owned_by(request.user),
            "notifications": notifications_recent(user=request.user, limit=10),
            "unread": notifications_unread_count(user=request.user),
            "shipping_gaps": print_sales_without_shipping(request.user),
            "payout": payout_status(request.user) if settings.MARKETPLACE else None,
        },
    )


@require_POST
@photographer_required
def notifications_read(request):
    notifications_mark_read(user=request.user)
    return redirect("studio:dashboard")


@photographer_required
def gallery_create(request):
    form = GalleryForm(request.POST or None, owner=request.user)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        sheet = _sheet_choice(request, fields, default=flow.OWNER_DEFAULT)
        try:
            saved = flow.gallery_create(owner=request.user, price_sheet=sheet, **fields)
        except DomainError as exc:
            form.add_service_errors(exc)
        else:
            _show_client_code(request, saved.client_code)
            return redirect("studio:gallery", gallery_id=saved.gallery.public_id)
    return render(request, "studio/gallery_form.html", {"form": form, "creating": True})


@photographer_required
def gallery_edit(request, gallery_id):
    gallery = owned_gallery(request, gallery_id)
    form = GalleryForm(request.POST or None, instance=gallery, owner=request.user)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        sheet = _sheet_choice(request, fields, default=flow.UNCHANGED)
        try:
            saved = flow.gallery_update(gallery=gallery, price_sheet=sheet, **fields)
        except DomainError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "Gallery saved.")
            _show_client_code(request, saved.client_code)
            return redirect("studio:gallery", gallery_id=gallery.public_id)
    return render(request, "studio/gallery_form.html", {"form": form, "gallery": gallery})


def _sheet_choice(request, fields: dict, *, default):
    """The price sheet the form chose (None: sells nothing), or `default` when the request had
    no such field (a script, or a page saved before the store existed)."""
    sheet = fields.pop("price_sheet", None)
    return sheet if "price_sheet" in request.POST else default


def _show_client_code(request, code: str | None) -> None:
    if code:
        messages.success(
            request,
            f"Client access code: {code} — note it now; "
            "it is shown only once (you can make a new one).",
        )


@require_POST
@photographer_required
def gallery_delete(request, gallery_id):
    gallery = owned_gallery(request, gallery_id)
    title = gallery.title
    try:
        services.gallery_delete(gallery=gallery)
    except DomainError as refused:  # its photos were sold: say so on the gallery's page
        return refuse(request, refused, _gallery_url(gallery))
    messages.success(request, f"Deleted “{title}” and its photos.")
    return redirect("studio:dashboard")


@require_POST
@photographer_required
def gallery_rotate_code(request, gallery_id):
    gallery = owned_gallery(request, gallery_id)
    code = access.gallery_rotate_access_code(gallery=gallery)
    messages.success(
        request,
        f"New client access code: {code} — note it now, it is shown only once. The old code no "
        "longer works and everyone who came in with a code must enter a current one.",
    )
    return redirect("studio:gallery", gallery_id=gallery.public_id)


@require_POST
@photographer_required
def gallery_guest_code(request, gallery_id):
    """Create the gallery's view-only guest code, or replace it."""
    gallery = owned_gallery(request, gallery_id)
    if gallery.visibility != Visibility.PRIVATE:
        messages.error(request, "Only private galleries have access codes.")
    else:
        code = access.gallery_rotate_access_code(gallery=gallery, kind=access.GUEST)
        messages.success(
            request,
            f"Guest code (view only): {code} — note it now, it is shown only once. Everyone who "
            "came in with an earlier code must enter a current one.",
        )
    return redirect("studio:gallery", gallery_id=gallery.public_id)


@require_POST
@photographer_required
def gallery_guest_code_remove(request, gallery_id):
    gallery = owned_gallery(request, gallery_id)
    if gallery.guest_code_hash:
        access.gallery_remove_guest_code(gallery=gallery)
        messages.success(
            request,
            "Guest code removed. Clients must enter the client code again to get back in.",
        )
    return redirect("studio:gallery", gallery_id=gallery.public_id)


@require_POST
@photographer_required
def gallery_download_pin(request, gallery_id):
    """Set the PIN clients enter before downloading, or clear it (`clear` in the form)."""
    gallery = owned_gallery(request, gallery_id)
    if request.POST.get("clear"):
        access.gallery_set_download_pin(gallery=gallery, pin="")
        messages.success(request, "Download PIN removed: clients download without one.")
        return redirect("studio:gallery", gallery_id=gallery.public_id)
    form = DownloadPinForm(request.POST)
    if form.is_valid():
        access.gallery_set_download_pin(gallery=gallery, pin=form.cleaned_data["pin"])
        messages.success(request, "Download PIN saved. Clients enter it once before downloading.")
    else:
        messages.error(request, "Download PIN not saved: " + " ".join(form.errors["pin"]))
    return redirect("studio:gallery", gallery_id=gallery.public_id)


def _grid_context(request, gallery: Gallery) -> dict:
    set_id = request.GET.get("set") or None
    photo_set = selectors.photo_set_get(gallery, set_id) if set_id else None
    status = request.GET.get("status") or None
    if status not in PhotoStatus.values:
        status = None
    photos = list(selectors.gallery_photos(gallery, photo_set=photo_set, status=status))
    counts = selectors.gallery_status_counts(gallery)
    return {
        "gallery": gallery,
        "photos": photos,
        "counts": counts,
        "pending": counts[PhotoStatus.UPLOADED] + counts[PhotoStatus.PROCESSING],
        "current_set": photo_set,
        "current_status": status,
        "sets": list(gallery.sets.all()),
    }


def _gallery_url(gallery: Gallery) -> str:
    return reverse("studio:gallery", args=[gallery.public_id])


def _client_url(gallery: Gallery) -> str:
    return settings.SITE_URL + reverse("storefront:gallery", args=[gallery.public_id])


def _selection_counts(gallery: Gallery) -> dict[str, int]:
    return FavouriteList.objects.filter(gallery=gallery).aggregate(
        lists=Count("id"), sent=Count("id", filter=Q(submitted_at__isnull=False))
    )


@photographer_required
def gallery_detail(request, gallery_id):
    gallery = owned_gallery(request, gallery_id)
    context = _grid_context(request, gallery) | {
        "set_form": SetForm(),
        "bulk_form": BulkForm(),
        "upload_url": reverse("studio:tus", kwargs={"gallery_id": gallery.public_id}),
        "max_file_bytes": settings.PHOTOS["MAX_FILE_BYTES"],
        "client_url": _client_url(gallery),
        "pin_form": DownloadPinForm(),
        "selection_counts": _selection_counts(gallery),
    }
    return render(request, "studio/gallery.html", context)


# --- client selections -----------------------------------------------------------------


def _selection(gallery: Gallery, list_id) -> FavouriteList:
    return found(client_selectors.selection_get(gallery, list_id), "selection")


@photographer_required
def selections(request, gallery_id):
    """Every client's lists and comments in one gallery, with exports."""
    gallery = owned_gallery(request, gallery_id)
    lists = client_selectors.gallery_selections(gallery)
    for favourite_list in lists:
        favourite_list.lightroom = proofing.lightroom_filter(favourite_list)
    return render(
        request,
        "studio/selections.html",
        {
            "gallery": gallery,
            "lists": lists,
            "sent": sum(1 for lst in lists if lst.submitted_at),
            "comments": client_selectors.gallery_comments(gallery),
        },
    )


@photographer_required
def selection_export(request, gallery_id, list_id):
    """One list as a CSV file (one row per picked photo)."""
    gallery = owned_gallery(request, gallery_id)
    favourite_list = _selection(gallery, list_id)
    return csv_response(
        proofing.selection_csv(favourite_list), proofing.selection_csv_name(favourite_list)
    )


@require_POST
@photographer_required
def selection_reopen(request, gallery_id, list_id):
    """Unlock a submitted list so the client can change it (they get an email)."""
    gallery = owned_gallery(request, gallery_id)
    favourite_list = _selection(gallery, list_id)
    if not favourite_list.locked:
        messages.info(request, f"“{favourite_list.name}” is already open for changes.")
    else:
        with transaction.atomic():
            proofing.favourite_list_reopen(gallery=gallery, list_id=favourite_list.public_id)
        messages.success(
            request,
            f"Reopened “{favourite_list.name}”: {favourite_list.visitor.email} was emailed and "
            "can change it and send it again.",
        )
    return redirect("studio:selections", gallery_id=gallery.public_id)


@photographer_required
def gallery_photos(request, gallery_id):
    """The photo grid alone (htmx refreshes it while photos are processing)."""
    gallery = owned_gallery(request, gallery_id)
    return render(request, "studio/_photo_grid.html", _grid_context(request, gallery))


@require_POST
@photographer_required
def set_create(request, gallery_id):
    gallery = owned_gallery(request, gallery_id)
    form = SetForm(request.POST)
    if not form.is_valid():
        return refuse(request, Invalid(form.errors), _gallery_url(gallery))
    photo_set = services.photo_set_create(gallery=gallery, name=form.cleaned_data["name"])
    return redirect(f"{_gallery_url(gallery)}?set={photo_set.public_id}")


@require_POST
@photographer_required
def set_rename(request, gallery_id, set_id):
    gallery = owned_gallery(request, gallery_id)
    photo_set = owned_set(gallery, set_id)
    back = f"{_gallery_url(gallery)}?set={photo_set.public_id}"
    form = SetForm(request.POST)
    if not form.is_valid():
        return refuse(request, Invalid(form.errors), back)
    try:
        services.photo_set_rename(photo_set=photo_set, name=form.cleaned_data["name"])
    except DomainError as refused:  # a name another set has: say so above the grid
        return refuse(request, refused, back)
    return redirect(back)


@require_POST
@photographer_required
def set_delete(request, gallery_id, set_id):
    gallery = owned_gallery(request, gallery_id)
    photo_set = owned_set(gallery, set_id)
    services.photo_set_delete(photo_set=photo_set)
    messages.success(
        request, f"Deleted the set “{photo_set.name}”; its photos stay in the gallery."
    )
    return redirect("studio:gallery", gallery_id=gallery.public_id)


@require_POST
@photographer_required
def photos_bulk(request, gallery_id):
    gallery = owned_gallery(request, gallery_id)
    ids = request.POST.getlist("photos")
    form = BulkForm(request.POST)
    if not ids or not form.is_valid():
        messages.error(request, "Select some photos and an action first.")
        return redirect("studio:gallery", gallery_id=gallery.public_id)
    action, data = form.cleaned_data["action"], form.cleaned_data
    back = _gallery_url(gallery)
    try:
        if action == "edit":
            fields = {k: data[k] for k in ("title", "caption", "alt_text") if data[k]}
            tags = [t for t in data["add_tags"].split(",") if t.strip()]
            changed = services.photos_bulk_update(
                gallery=gallery, photo_ids=ids, add_tags=tags, **fields
            )
            messages.success(request, f"Updated {changed} photos.")
        elif action == "move":
            photo_set = (
                selectors.photo_set_get(gallery, data["photo_set"]) if data["photo_set"] else None
            )
            moved = services.photos_move(gallery=gallery, photo_ids=ids, photo_set=photo_set)
            messages.success(request, f"Moved {moved} photos.")
        elif action == "cover":
            photo = selectors.photo_get(gallery, ids[0])
            if photo:
                services.gallery_set_cover(gallery=gallery, photo=photo)
                messages.success(request, "Cover photo set.")
        elif action == "retry":
            for photo in Photo.objects.filter(gallery=gallery, public_id__in=ids):
                processing.photo_retry(photo=photo)
            messages.success(request, "Failed photos queued again.")
        elif action == "delete":
            deleted = services.photos_delete(gallery=gallery, photo_ids=ids)
            messages.success(request, f"Deleted {deleted} photos.")
    except DomainError as refused:  # sold photos stay: say so where the photographer was
        return refuse(request, refused, back)
    return redirect_next(request, back)


@require_POST
@photographer_required
def photos_reorder(request, gallery_id):
    gallery = owned_gallery(request, gallery_id)
    services.photos_reorder(gallery=gallery, photo_ids=request.POST.getlist("photos"))
    return HttpResponse(status=204)


@photographer_required
def photo_edit(request, photo_id):
    photo = owned_photo(request, photo_id)
    initial = {
        "title": photo.title,
        "caption": photo.caption,
        "alt_text": photo.alt_text,
        "tags": ", ".join(photo.tags),
        "show_location": photo.show_location,
    }
    form = PhotoForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.photo_update(photo=photo, **form.cleaned_data)
        messages.success(request, "Photo saved.")
        return redirect("studio:gallery", gallery_id=photo.gallery.public_id)
    # Imported here: catalog_views imports this module's helpers.
    from proofsheet.studio.catalog_views import photo_price_rows

    price_sheet, price_rows = photo_price_rows(photo)
    return render(
        request,
        "studio/photo.html",
        {
            "photo": photo,
            "form": form,
            "renditions": selectors.photo_renditions_public(photo),
            "position": selectors.photo_position(photo),
            "price_sheet": price_sheet,
            "price_rows": price_rows,
        },
    )


@require_POST
@photographer_required
def photo_position(request, photo_id):
    photo = owned_photo(request, photo_id)
    form = PositionForm(request.POST)
    if form.is_valid():
        position = form.cleaned_data["position"]
        services.photo_move_to_position(photo=photo, position=position)
        messages.success(
            request,
            f"Moved to position {max(position, 1)}; the gallery now uses your custom order.",
        )
    else:
        messages.error(request, "Give the position as a number.")
    return redirect("studio:photo", photo_id=photo.public_id)


@require_POST
@photographer_required
def photo_retry(request, photo_id):
    photo = owned_photo(request, photo_id)
    processing.photo_retry(photo=photo)
    messages.success(request, f"“{photo.title or photo.original_name}” queued again.")
    return redirect("studio:gallery", gallery_id=photo.gallery.public_id)


@require_POST
@photographer_required
def photo_delete(request, photo_id):
    photo = owned_photo(request, photo_id)
    try:
        services.photos_delete(gallery=photo.gallery, photo_ids=[photo.public_id])
    except DomainError as refused:  # a sold photo stays: say so on its page
        return refuse(request, refused, reverse("studio:photo", args=[photo.public_id]))
    messages.success(request, "Photo deleted.")
    return redirect("studio:gallery", gallery_id=photo.gallery.public_id)


@photographer_required
def tus_endpoint(request, gallery_id, upload_id=None):
    """Resumable uploads (tus) into one gallery; see studio/tus.py."""
    gallery = owned_gallery(request, gallery_id)
    base = reverse("studio:tus", kwargs={"gallery_id": gallery.public_id})

    def finish(info: tus.UploadInfo, path: Path) -> dict:
        photo_set = None
        if info.metadata.get("setId"):
            photo_set = selectors.photo_set_get(gallery, info.metadata["setId"])
        batch = None
        if info.metadata.get("batchId"):
            batch = selectors.upload_batch_get(gallery, info.metadata["batchId"])
        result = services.photo_ingest(
            gallery=gallery,
            owner=request.user,
            source=path,
            original_name=info.metadata.get("filename", "photo"),
            photo_set=photo_set,
            batch=batch,
        )
        photo = result.photo or result.duplicate_of
        return {
            "status": result.status,
            "reason": result.rejected
            or ("Already in this gallery." if result.duplicate_of else ""),
            "photo": str(photo.public_id) if photo else "",
        }

    return tus.handle(
        request,
        owner_id=request.user.pk,
        gallery_id=gallery.pk,
        base_url=base,
        upload_id=str(upload_id) if upload_id else None,
        finish=finish,
    )


@require_POST
@photographer_required
def batch_start(request, gallery_id):
    """Open an upload batch; the photographer is notified when all its photos are processed."""
    batch = services.upload_batch_create(
        gallery=owned_gallery(request, gallery_id), owner=request.user
    )
    return HttpResponse(str(batch.public_id), content_type="text/plain")


@require_POST
@photographer_required
def batch_finish(request, gallery_id, batch_id):
    gallery = owned_gallery(request, gallery_id)
    batch = found(selectors.upload_batch_get(gallery, batch_id), "batch")
    services.upload_batch_close(batch=batch)
    return HttpResponse(status=204)


@photographer_required
def watermark(request, gallery_id=None):
    """The photographer's default watermark, or one gallery's override."""
    gallery = owned_gallery(request, gallery_id) if gallery_id else None
    current = WatermarkSettings.objects.filter(owner=request.user, gallery=gallery).first()
    initial = (
        {
            "enabled": current.enabled,
            "text": current.text,
            "position": current.position,
            "opacity": current.opacity,
            "size": current.size,
        }
        if current
        else None
    )
    form = WatermarkForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        logo = data.pop("logo")
        try:
            services.watermark_update(owner=request.user, gallery=gallery, logo=logo, **data)
        except DomainError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "Watermark saved; previews are being regenerated.")
            if gallery:
                return redirect("studio:gallery", gallery_id=gallery.public_id)
            return redirect("studio:dashboard")
    return render(
        request, "studio/watermark.html", {"form": form, "gallery": gallery, "current": current}
    )
