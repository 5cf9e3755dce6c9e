"""Client gallery pages: browse, view, unlock, favourite, select, share, download.

Interfaces only: entering a gallery and picking are `flows.proofing`, access rules live in
galleries.access, writes in galleries.proofing, reads in galleries.client_selectors. A visitor's
grants sit in the session (storefront.common).
"""

from __future__ import annotations

import io
from pathlib import PurePath
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.core.files.storage import storages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from proofsheet.core.errors import DomainError
from proofsheet.core.http import client_ip, file_response, zip_response
from proofsheet.core.web import refuse, refused_page
from proofsheet.flows import proofing as flow
from proofsheet.galleries import access as gallery_access
from proofsheet.galleries import client_selectors as selectors
from proofsheet.galleries import downloads, processing, proofing
from proofsheet.galleries.proofing import ListNotFound
from proofsheet.galleries.selectors import photo_set_get
from proofsheet.storefront.common import (
    absolute_url,
    active_list,
    active_list_forget,
    back_to,
    gallery_or_404,
    gallery_page,
    gallery_url,
    gallery_view,
    grant_of,
    grant_save,
    photo_or_404,
    photo_page,
)

PIN_OK = "download_pins"


# --- entry ------------------------------------------------------------------------------


def code_entry(request):
    """ "I have an access code": the code alone finds its gallery."""
    if request.method != "POST":
        return render(request, "storefront/code_entry.html")
    code = request.POST.get("code", "")
    try:
        entry = flow.gallery_enter(gallery=None, code=code, ip=client_ip(request))
    except DomainError as refused:  # a wrong code, or too many: say so above the box
        context = {"error": refused.message}
        return render(request, "storefront/code_entry.html", context, status=refused.status)
    grant_save(request, entry.grant)
    return redirect("storefront:gallery", gallery_id=entry.grant["gallery"])


def unlock(request, gallery_id):
    gallery = gallery_or_404(gallery_id)
    context = {"gallery": gallery, "next": back_to(request, gallery)}
    if request.method == "POST":
        code = request.POST.get("code", "")
        try:
            entry = flow.gallery_enter(gallery=gallery, code=code, ip=client_ip(request))
        except DomainError as refused:  # a wrong code, or too many: say so above the box
            context["error"] = refused.message
            return render(request, "storefront/unlock.html", context, status=refused.status)
        grant_save(request, entry.grant)
        return HttpResponseRedirect(context["next"])
    response = render(request, "storefront/unlock.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def email_gate(request, gallery_id):
    """Ask for the visitor's email (required by the gallery, or to keep favourites)."""
    gallery = gallery_or_404(gallery_id)
    grant = grant_of(request, gallery)
    if flow.code_needed(gallery=gallery, grant=grant):
        return redirect("storefront:unlock", gallery_id=gallery.public_id)
    context = {"gallery": gallery, "next": back_to(request, gallery)}
    # The heart that sent the visitor here (a photo's id), saved once the email is given.
    context["favourite"] = request.POST.get("favourite") or request.GET.get("favourite") or ""
    if request.method != "POST":
        return render(request, "storefront/email_gate.html", context)
    try:
        entry = flow.gallery_enter(
            gallery=gallery,
            grant=grant,
            email=request.POST.get("email", ""),
            ip=client_ip(request),
            user=request.user,
            favourite=context["favourite"],
            list_id=active_list(request, gallery),
        )
    except DomainError as refused:  # not an email address: say so beside the box
        context["error"] = refused.message
        return render(request, "storefront/email_gate.html", context, status=400)
    grant_save(request, entry.grant)
    if entry.refusal is not None:
        messages.error(request, entry.refusal.message)
    elif entry.favourite is not None:
        messages.success(request, "Added to your favourites.")
    return HttpResponseRedirect(context["next"])


# --- browse -----------------------------------------------------------------------------


@gallery_view
def gallery(request, gallery, access):
    return gallery_page(request, gallery, access)


@gallery_view
def photo(request, gallery, access, photo_id):
    return photo_page(request, gallery, access, photo_or_404(gallery, photo_id))


@gallery_view
def photo_info(request, gallery, access, photo_id):
    """The info panel as a fragment (the lightbox fetches it)."""
    found = photo_or_404(gallery, photo_id)
    context = {"gallery": gallery, "photo": found, "info": selectors.photo_info(found)}
    return render(request, "storefront/_photo_info.html", context)


# --- proofing ---------------------------------------------------------------------------


def _refused_write(
    request, gallery, error: DomainError, *, back: str, email_first=True, favourite=None
):
    """Where a refused write sends the browser. A visitor without an email gives one first
    (`favourite`: the photo whose heart they tapped, saved by the email form), then comes back;
    a guest code's write, or a photo or list not there, is a 403 or 404 page; anything else is
    said on the page they go back to."""
    if email_first and error.code == "email_required":
        return _email_first(request, gallery, favourite)
    if error.code == "client_code_required" or error.status == 404:
        raise error
    return _say_why(request, error, back)


def _say_why(request, error: DomainError, back: str) -> HttpResponse:
    """htmx shows the answer's text (a toast); a page goes `back` with the message on it."""
    if request.htmx:
        return refused_page(request, error)
    return refuse(request, error, back)


def _email_first(request, gallery, favourite) -> HttpResponse:
    url = reverse("storefront:email_gate", args=[gallery.public_id])
    query = {"next": back_to(request, gallery)}
    if favourite is not None:
        if "#" not in query["next"]:
            query["next"] += f"#photo-{favourite}"
        query["favourite"] = str(favourite)
    target = f"{url}?{urlencode(query, safe='/')}"
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


@require_POST
@gallery_view
def favourite(request, gallery, access, photo_id):
    on = request.POST.get("on") == "1"
    try:
        found = flow.favourite_set(
            access=access, photo_id=photo_id, on=on, list_id=active_list(request, gallery)
        )
    except ListNotFound as gone:  # the chosen list is gone: hearts go to Favourites again
        active_list_forget(request, gallery)
        return _say_why(request, gone, back_to(request, gallery))
    except DomainError as refused:
        waiting = photo_id if on else None
        return _refused_write(
            request, gallery, refused, back=back_to(request, gallery), favourite=waiting
        )
    if request.htmx:
        context = {"gallery": gallery, "photo": found, "favourite": on, "access": access}
        return render(request, "storefront/_favourite_button.html", context)
    return HttpResponseRedirect(back_to(request, gallery))


@gallery_view
def favourites(request, gallery, access):
    """The visitor's lists, the picks of one list, and the submit button with the rules."""
    lists = selectors.visitor_lists(access)
    active = active_list(request, gallery)
    chosen = next(
        (item for item in lists if str(item.public_id) == active),
        next((item for item in lists if item.name == proofing.DEFAULT_LIST), None)
        or (lists[0] if lists else None),
    )
    picked = []
    if chosen is not None:
        picked = [item.photo for item in chosen.items.select_related("photo")]
    context = {
        "gallery": gallery,
        "access": access,
        "lists": lists,
        "chosen": chosen,
        "photos": picked,
        "favourites": {photo.pk for photo in picked},
        "problem": proofing.selection_problem(gallery, len(picked)) if chosen else None,
    }
    return render(request, "storefront/favourites.html", context)


@require_POST
@gallery_view
def list_create(request, gallery, access):
    try:
        created = proofing.favourite_list_create(access=access, name=request.POST.get("name", ""))
    except DomainError as refused:
        return _refused_write(request, gallery, refused, back=back_to(request, gallery))
    url = reverse("storefront:favourites", args=[gallery.public_id])
    return redirect(f"{url}?list={created.public_id}")


@require_POST
@gallery_view
def selection_submit(request, gallery, access):
    list_id = request.POST.get("list") or None
    url = reverse("storefront:favourites", args=[gallery.public_id])
    back = f"{url}?list={list_id}" if list_id else url
    try:
        submitted = proofing.favourite_list_submit(
            access=access, list_id=list_id, note=request.POST.get("note", "")
        )
    except DomainError as refused:  # out of the rules, too late, already sent
        return _refused_write(request, gallery, refused, back=back, email_first=False)
    messages.success(
        request, f"Sent “{submitted.name}” to {gallery.owner.display_name or 'your photographer'}."
    )
    return redirect(f"{url}?list={submitted.public_id}")


@require_POST
@gallery_view
def comment_add(request, gallery, access, photo_id):
    try:
        comment = flow.comment_add(
            access=access, photo_id=photo_id, body=request.POST.get("body", "")
        )
    except DomainError as refused:  # an empty or too long comment
        return _refused_write(request, gallery, refused, back=back_to(request, gallery))
    messages.success(request, "Comment sent to your photographer.")
    return redirect(reverse("storefront:photo", args=[gallery.public_id, comment.photo.public_id]))


# --- share ------------------------------------------------------------------------------


def _qr(gallery):
    return segno.make(absolute_url(gallery_url(gallery)), error="m")


@gallery_view
def qr_svg(request, gallery, access):
    """The QR code as a standalone SVG document: an <img> shows it only with its namespace."""
    svg = io.BytesIO()
    _qr(gallery).save(svg, kind="svg", scale=8, border=2, title=gallery.title, encoding="utf-8")
    return HttpResponse(svg.getvalue(), content_type="image/svg+xml")


@gallery_view
def qr_page(request, gallery, access):
    """A printable page with the gallery's QR code and link."""
    context = {
        "gallery": gallery,
        "share_url": absolute_url(gallery_url(gallery)),
    }
    return render(request, "storefront/qr.html", context)


# --- downloads --------------------------------------------------------------------------


def _pin_ok(request, gallery) -> bool:
    if not gallery.download_pin_hash:
        return True
    return request.session.get(PIN_OK, {}).get(str(gallery.public_id)) == gallery.download_pin_hash


@gallery_view
def download_pin(request, gallery, access):
    context = {"gallery": gallery, "next": back_to(request, gallery)}
    if request.method == "POST":
        try:
            gallery_access.download_pin_check(
                gallery=gallery, pin=request.POST.get("pin", ""), ip=client_ip(request)
            )
        except DomainError as refused:  # a wrong PIN, or too many: say so above the box
            context["error"] = refused.message
            return render(request, "storefront/download_pin.html", context, status=refused.status)
        pins = dict(request.session.get(PIN_OK, {}))
        pins[str(gallery.public_id)] = gallery.download_pin_hash
        request.session[PIN_OK] = pins
        return HttpResponseRedirect(context["next"])
    return render(request, "storefront/download_pin.html", context)


@gallery_view
def download(request, gallery, access, photo_id):
    """A free download: web-size (no watermark) or, when allowed, the original."""
    found = selectors.photo_get(gallery, photo_id)
    if found is None or not gallery.downloads_enabled or not access.can_interact:
        raise Http404
    if not _pin_ok(request, gallery):
        url = reverse("storefront:download_pin", args=[gallery.public_id])
        return redirect(f"{url}?next={request.get_full_path()}")
    stem = PurePath(found.original_name).stem or "photo"
    if request.GET.get("size") == "original":
        if not gallery.originals_downloadable:
            raise Http404
        key, filename = found.original_key, found.original_name
        content_type = f"image/{'jpeg' if found.format == 'jpeg' else found.format}"
    else:
        key = processing.photo_web_download(found)
        filename, content_type = f"{stem}-web.jpg", "image/jpeg"
    response = file_response(storages["private"].open(key, "rb"), filename, content_type)
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


# Refusals of "download all" that the visitor can act on; the rest are a 404, as for one photo.
ZIP_REFUSED_STATUS = {"too_many": 400, "throttled": 429}


@gallery_view
def download_all(request, gallery, access):
    """Every ready photo of the gallery (or of `?set=`) in one streamed ZIP, web size or, with
    `?size=original` where allowed, the originals. Same rules as a single free download."""
    photo_set = None
    if request.GET.get("set"):
        photo_set = photo_set_get(gallery, request.GET["set"])
        if photo_set is None:
            raise Http404
    size = downloads.ORIGINAL if request.GET.get("size") == "original" else downloads.WEB
    try:
        archive = downloads.gallery_zip(
            access=access,
            ip=client_ip(request),
            pin_unlocked=_pin_ok(request, gallery),
            photo_set=photo_set,
            size=size,
        )
    except downloads.DownloadRefused as refused:  # the PIN page, a reason, or as for one photo
        if refused.reason == "pin":
            url = reverse("storefront:download_pin", args=[gallery.public_id])
            return redirect(f"{url}?next={request.get_full_path()}")
        status = ZIP_REFUSED_STATUS.get(refused.reason)
        if status is None:
            raise Http404 from None
        context = {"gallery": gallery, "message": str(refused)}
        return render(request, "storefront/download_all_refused.html", context, status=status)
    return zip_response(archive.archive, archive.filename)
