"""Client gallery pages: browse, view, unlock, favourite, select, share, download.

Interfaces only: access rules live in galleries.access, writes in galleries.proofing, reads in
galleries.client_selectors. A visitor's grants sit in the session (storefront.common).
"""

from __future__ import annotations

import io
from pathlib import PurePath
from urllib.parse import urlencode, urljoin, urlsplit

import segno
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.core.validators import validate_email
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from proofsheet.core.errors import DomainError
from proofsheet.core.http import attachment_header, client_ip, zip_response
from proofsheet.galleries import access as gallery_access
from proofsheet.galleries import client_selectors as selectors
from proofsheet.galleries import downloads, processing, proofing
from proofsheet.galleries.access import AccessDenied, CodeRejected
from proofsheet.galleries.models import FavouriteList, Layout, Visibility
from proofsheet.galleries.selectors import photo_set_get, rendition_url
from proofsheet.imaging.errors import RejectedImage
from proofsheet.storefront import shop
from proofsheet.storefront.common import gallery_view, grant_of, grant_save, photo_or_404

PIN_OK = "download_pins"


def _next_url(request, gallery) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("storefront:gallery", args=[gallery.public_id])


def _absolute(url: str) -> str:
    """An absolute URL: a path gets the site's origin; a URL with a host (a CDN's) keeps it."""
    if urlsplit(url).netloc:
        return urljoin(settings.SITE_URL, url)
    return settings.SITE_URL + url


# --- entry ------------------------------------------------------------------------------


def code_entry(request):
    """ "I have an access code": the code alone finds its gallery."""
    if request.method != "POST":
        return render(request, "storefront/code_entry.html")
    try:
        grant = gallery_access.gallery_code_exchange(
            gallery=None, code=request.POST.get("code", ""), ip=client_ip(request)
        )
    except CodeRejected as rejected:
        status = 429 if rejected.throttled else 403
        context = {"error": str(rejected)}
        return render(request, "storefront/code_entry.html", context, status=status)
    grant_save(request, grant)
    return redirect("storefront:gallery", gallery_id=grant["gallery"])


def unlock(request, gallery_id):
    gallery = selectors.gallery_get(gallery_id)
    if gallery is None:
        raise Http404
    context = {"gallery": gallery, "next": _next_url(request, gallery)}
    if request.method == "POST":
        try:
            grant = gallery_access.gallery_code_exchange(
                gallery=gallery, code=request.POST.get("code", ""), ip=client_ip(request)
            )
        except CodeRejected as rejected:
            context["error"] = str(rejected)
            status = 429 if rejected.throttled else 403
            return render(request, "storefront/unlock.html", context, status=status)
        grant_save(request, grant)
        return redirect(context["next"])
    response = render(request, "storefront/unlock.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def email_gate(request, gallery_id):
    """Ask for the visitor's email (required by the gallery, or to keep favourites)."""
    gallery = selectors.gallery_get(gallery_id)
    if gallery is None:
        raise Http404
    grant = grant_of(request, gallery)
    if gallery.visibility == Visibility.PRIVATE and not grant:
        return redirect("storefront:unlock", gallery_id=gallery.public_id)
    context = {"gallery": gallery, "next": _next_url(request, gallery)}
    # The heart that sent the visitor here (a photo's id), saved once the email is given.
    context["favourite"] = request.POST.get("favourite") or request.GET.get("favourite") or ""
    if request.method == "POST":
        email = request.POST.get("email", "").strip()
        try:
            validate_email(email)
        except ValidationError:
            context["error"] = "Enter an email address like name@example.com."
            return render(request, "storefront/email_gate.html", context, status=400)
        grant = gallery_access.grant_with_email(grant, gallery, email)
        grant_save(request, grant)
        _favourite_after_email(request, gallery, grant, context["favourite"])
        return redirect(context["next"])
    return render(request, "storefront/email_gate.html", context)


# --- browse -----------------------------------------------------------------------------


def _layout(request, gallery) -> str:
    chosen = request.GET.get("layout") or request.session.get("layout", {}).get(
        str(gallery.public_id)
    )
    if chosen in Layout.values:
        if request.GET.get("layout"):
            layouts = dict(request.session.get("layout", {}))
            layouts[str(gallery.public_id)] = chosen
            request.session["layout"] = layouts
        return chosen
    return gallery.layout


ACTIVE_LIST = "active_lists"


def _active_list(request, gallery) -> str | None:
    """The list the hearts add to (chosen with ?list=…); None is the default "Favourites"."""
    key = str(gallery.public_id)
    if "list" in request.GET:
        lists = dict(request.session.get(ACTIVE_LIST, {}))
        lists[key] = request.GET["list"] or None
        request.session[ACTIVE_LIST] = lists
    return request.session.get(ACTIVE_LIST, {}).get(key)


def _page_context(request, gallery, access, photo_set) -> dict:
    page = selectors.photos_page(
        gallery, photo_set=photo_set, cursor=request.GET.get("after") or None
    )
    ids = [photo.pk for photo in page.photos]
    favourites = selectors.favourite_ids(access, ids, _active_list(request, gallery))
    return {"page": page, "favourites": favourites}


@gallery_view
def gallery(request, gallery, access):
    return gallery_page(request, gallery, access)


def gallery_page(request, gallery, access, *, package_error: str = "", status: int = 200):
    """The gallery page; `package_error` explains a refused "buy the whole gallery" (a POST)."""
    sets = selectors.gallery_sets(gallery)
    set_id = request.GET.get("set") or ""
    photo_set = next((s for s in sets if str(s.public_id) == set_id), None)
    context = {
        "gallery": gallery,
        "access": access,
        "sets": sets,
        "photo_set": photo_set,
        "layout": _layout(request, gallery),
        "layouts": Layout.choices,
        "share_url": _absolute(reverse("storefront:gallery", args=[gallery.public_id])),
        **_page_context(request, gallery, access, photo_set),
    }
    cover = gallery.cover_photo
    card_image = rendition_url(cover, "preview", "jpeg") if cover is not None else None
    context["og_image"] = _absolute(card_image) if card_image else ""
    if request.htmx and request.GET.get("after"):
        return render(request, "storefront/_photo_items.html", context)
    # The lightbox counts and walks every photo, fetching the pages the grid has not loaded yet.
    after = request.GET.get("after") or None
    context["photo_count"] = selectors.photos_count(gallery, photo_set=photo_set, cursor=after)
    context["lists"] = selectors.visitor_lists(access)
    context["sells"] = access.can_interact and shop.sells_anything(gallery)
    context["packages"] = shop.gallery_packages(gallery) if context["sells"] else None
    context["package_error"] = package_error
    context["downloads_allowed"] = downloads.gallery_downloads_allowed(access)
    active = _active_list(request, gallery)
    context["active_list"] = next(
        (item for item in context["lists"] if str(item.public_id) == active), None
    )
    return render(request, "storefront/gallery.html", context, status=status)


@gallery_view
def photo(request, gallery, access, photo_id):
    return photo_page(request, gallery, access, photo_or_404(gallery, photo_id))


def photo_page(request, gallery, access, found, *, buy=None, status: int = 200):
    """The photo page; `buy` is the buy panel with what the visitor chose (after a refusal)."""
    previous, following = selectors.photo_neighbours(found)
    context = {
        "gallery": gallery,
        "access": access,
        "photo": found,
        "previous": previous,
        "next": following,
        "related": selectors.photos_related(found),
        "info": selectors.photo_info(found),
        "favourite": found.pk
        in selectors.favourite_ids(access, [found.pk], _active_list(request, gallery)),
        "comments": selectors.photo_comments(found, access),
        "share_url": _absolute(
            reverse("storefront:photo", args=[gallery.public_id, found.public_id])
        ),
        "buy": buy or (shop.buy_panel(found) if access.can_interact else None),
        "buy_locked": not access.can_interact and shop.sells_anything(gallery),
    }
    return render(request, "storefront/photo.html", context, status=status)


@gallery_view
def photo_info(request, gallery, access, photo_id):
    """The info panel as a fragment (the lightbox fetches it)."""
    found = photo_or_404(gallery, photo_id)
    context = {"gallery": gallery, "photo": found, "info": selectors.photo_info(found)}
    return render(request, "storefront/_photo_info.html", context)


# --- proofing ---------------------------------------------------------------------------


def _writer_check(request, gallery, access, *, favourite=None) -> HttpResponse | None:
    """Before a write: guests (a view-only code) get 403, not a redirect; a visitor without an
    email is sent to give one first (the response), then comes back. `favourite`: the photo
    whose heart they tapped, saved by the email form and shown when they come back."""
    if not access.can_interact:
        raise PermissionDenied("A guest code gives view-only access.")
    if not access.email:
        url = reverse("storefront:email_gate", args=[gallery.public_id])
        query = {"next": _next_url(request, gallery)}
        if favourite is not None:
            if "#" not in query["next"]:
                query["next"] += f"#photo-{favourite.public_id}"
            query["favourite"] = str(favourite.public_id)
        target = f"{url}?{urlencode(query, safe='/')}"
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)
    return None


@require_POST
@gallery_view
def favourite(request, gallery, access, photo_id):
    found = photo_or_404(gallery, photo_id)
    on = request.POST.get("on") == "1"
    waiting = found if on else None
    if (response := _writer_check(request, gallery, access, favourite=waiting)) is not None:
        return response
    try:
        list_id = _active_list(request, gallery)
        proofing.favourite_set(access=access, photo=found, on=on, list_id=list_id)
    except FavouriteList.DoesNotExist:  # the chosen list is gone: back to the default list
        request.session.get(ACTIVE_LIST, {}).pop(str(gallery.public_id), None)
        request.session.modified = True
        return _refuse(request, gallery, "That list no longer exists.", 409)
    except DomainError as refused:  # a guest code, a locked list
        return _refuse(request, gallery, refused.message, refused.status)
    if request.htmx:
        context = {"gallery": gallery, "photo": found, "favourite": on, "access": access}
        return render(request, "storefront/_favourite_button.html", context)
    return redirect(_next_url(request, gallery))


def _favourite_after_email(request, gallery, grant: dict, photo_id: str) -> None:
    """Save the heart that sent the visitor to the email form, now that they gave their email."""
    found = selectors.photo_get(gallery, photo_id) if photo_id else None
    if found is None:
        return
    try:
        access = gallery_access.gallery_access(gallery=gallery, user=request.user, grant=grant)
        list_id = _active_list(request, gallery)
        proofing.favourite_set(access=access, photo=found, on=True, list_id=list_id)
    except AccessDenied:
        return  # the page they go back to says what is missing
    except DomainError as refused:  # a guest code, a locked list
        messages.error(request, refused.message)
    except FavouriteList.DoesNotExist:
        messages.error(request, "That list no longer exists.")
    else:
        messages.success(request, "Added to your favourites.")


def _refuse(request, gallery, message: str, status: int):
    if request.htmx:
        return HttpResponse(message, status=status, content_type="text/plain")
    messages.error(request, message)
    return redirect(_next_url(request, gallery))


@gallery_view
def favourites(request, gallery, access):
    """The visitor's lists, the picks of one list, and the submit button with the rules."""
    lists = selectors.visitor_lists(access)
    active = _active_list(request, gallery)
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
    if (response := _writer_check(request, gallery, access)) is not None:
        return response
    try:
        created = proofing.favourite_list_create(access=access, name=request.POST.get("name", ""))
    except DomainError as error:
        return _refuse(request, gallery, error.message, 400)
    url = reverse("storefront:favourites", args=[gallery.public_id])
    return redirect(f"{url}?list={created.public_id}")


@require_POST
@gallery_view
def selection_submit(request, gallery, access):
    if not access.can_interact:
        raise PermissionDenied("A guest code gives view-only access.")
    list_id = request.POST.get("list") or None
    url = reverse("storefront:favourites", args=[gallery.public_id])
    try:
        submitted = proofing.favourite_list_submit(
            access=access, list_id=list_id, note=request.POST.get("note", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(f"{url}?list={list_id}" if list_id else url)
    except FavouriteList.DoesNotExist:  # not one of the visitor's lists
        raise Http404 from None
    messages.success(
        request, f"Sent “{submitted.name}” to {gallery.owner.display_name or 'your photographer'}."
    )
    return redirect(f"{url}?list={submitted.public_id}")


@require_POST
@gallery_view
def comment_add(request, gallery, access, photo_id):
    found = photo_or_404(gallery, photo_id)
    if (response := _writer_check(request, gallery, access)) is not None:
        return response
    try:
        proofing.photo_comment_add(access=access, photo=found, body=request.POST.get("body", ""))
    except DomainError as error:
        return _refuse(request, gallery, error.message, 400)
    messages.success(request, "Comment sent to your photographer.")
    return redirect(reverse("storefront:photo", args=[gallery.public_id, found.public_id]))


# --- share ------------------------------------------------------------------------------


def _qr(gallery):
    return segno.make(_absolute(reverse("storefront:gallery", args=[gallery.public_id])), error="m")


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
        "share_url": _absolute(reverse("storefront:gallery", args=[gallery.public_id])),
    }
    return render(request, "storefront/qr.html", context)


# --- downloads --------------------------------------------------------------------------


def _pin_ok(request, gallery) -> bool:
    if not gallery.download_pin_hash:
        return True
    return request.session.get(PIN_OK, {}).get(str(gallery.public_id)) == gallery.download_pin_hash


@gallery_view
def download_pin(request, gallery, access):
    context = {"gallery": gallery, "next": _next_url(request, gallery)}
    if request.method == "POST":
        try:
            gallery_access.download_pin_check(
                gallery=gallery, pin=request.POST.get("pin", ""), ip=client_ip(request)
            )
        except CodeRejected as rejected:
            context["error"] = str(rejected)
            status = 429 if rejected.throttled else 403
            return render(request, "storefront/download_pin.html", context, status=status)
        pins = dict(request.session.get(PIN_OK, {}))
        pins[str(gallery.public_id)] = gallery.download_pin_hash
        request.session[PIN_OK] = pins
        return redirect(context["next"])
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
        try:
            key = processing.photo_web_download(found)
        except RejectedImage:
            raise Http404 from None
        filename, content_type = f"{stem}-web.jpg", "image/jpeg"
    response = FileResponse(storages["private"].open(key, "rb"), content_type=content_type)
    response["Content-Disposition"] = attachment_header(filename)
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
    except downloads.DownloadRefused as refused:
        if refused.reason == "pin":
            url = reverse("storefront:download_pin", args=[gallery.public_id])
            return redirect(f"{url}?next={request.get_full_path()}")
        status = ZIP_REFUSED_STATUS.get(refused.reason)
        if status is None:
            raise Http404 from None
        context = {"gallery": gallery, "message": str(refused)}
        return render(request, "storefront/download_all_refused.html", context, status=status)
    return zip_response(archive.archive, archive.filename)
