"""What the storefront's view modules share: a visitor's gallery access kept in the session,
the `gallery_view` decorator that loads it, the lookups every gallery page does, where a gallery
page sends the browser back to, and the gallery and photo pages themselves (the buying views
show them again, with what the visitor chose and why it was refused)."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from proofsheet.core.web import refused_page, safe_next
from proofsheet.galleries import access as gallery_access
from proofsheet.galleries import client_selectors as selectors
from proofsheet.galleries import downloads
from proofsheet.galleries.access import AccessDenied
from proofsheet.galleries.models import Gallery, Layout, Visibility
from proofsheet.galleries.selectors import rendition_url
from proofsheet.storefront import buy_panel

GRANTS = "gallery_grants"  # the session key: {gallery public id: grant}
ACTIVE_LIST = "active_lists"  # the session key: {gallery public id: the list hearts go to}
LAYOUTS = "layout"  # the session key: {gallery public id: the layout the visitor chose}


# --- access ---------------------------------------------------------------------------------


def grant_of(request, gallery) -> dict | None:
    return request.session.get(GRANTS, {}).get(str(gallery.public_id))


def grant_save(request, grant: dict) -> None:
    grants = dict(request.session.get(GRANTS, {}))
    grants[grant["gallery"]] = grant
    request.session[GRANTS] = grants


def gallery_or_404(gallery_id) -> Gallery:
    found = selectors.gallery_get(gallery_id)
    if found is None:
        raise Http404
    return found


def gallery_view(view):
    """Load the gallery and the visitor's access, or send them where access is granted."""

    @wraps(view)
    def wrapper(request, gallery_id, **kwargs):
        gallery = gallery_or_404(gallery_id)
        try:
            access = gallery_access.gallery_access(
                gallery=gallery, user=request.user, grant=grant_of(request, gallery)
            )
        except AccessDenied as denied:  # the code or the email first, then back here
            return denied_page(request, gallery, denied)
        request.gallery_access = access
        response = view(request, gallery, access, **kwargs)
        if gallery.visibility != Visibility.PUBLIC:
            response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapper


def denied_page(request, gallery, denied: AccessDenied) -> HttpResponse:
    """An expired gallery's page; a page asked for goes to the code or email form first; a
    write or an htmx fragment is refused, saying what is missing."""
    if denied.reason == "expired":
        context = {"photographer": gallery.owner}
        return render(request, "storefront/expired.html", context, status=410)
    if request.htmx or request.method != "GET":
        return refused_page(request, denied)
    target = "storefront:unlock" if denied.reason == "code" else "storefront:email_gate"
    url = reverse(target, args=[gallery.public_id])
    return redirect(f"{url}?next={request.get_full_path()}")


def photo_or_404(gallery, photo_id):
    found = selectors.photo_get(gallery, photo_id)
    if found is None:
        raise Http404
    return found


# --- addresses ------------------------------------------------------------------------------


def gallery_url(gallery) -> str:
    return reverse("storefront:gallery", args=[gallery.public_id])


def back_to(request, gallery) -> str:
    """Where a gallery's form goes back to: its `next` if that is a page of this site, else the
    gallery ("x", "//evil.example" or "https://evil.example" are never followed)."""
    return safe_next(request, gallery_url(gallery))


def absolute_url(url: str) -> str:
    """An absolute URL: a path gets the site's origin; a URL with a host (a CDN's) keeps it."""
    if urlsplit(url).netloc:
        return urljoin(settings.SITE_URL, url)
    return settings.SITE_URL + url


# --- the list hearts go to ------------------------------------------------------------------


def active_list(request, gallery) -> str | None:
    """The list the hearts add to (chosen with ?list=…); None is the default "Favourites"."""
    key = str(gallery.public_id)
    if "list" in request.GET:
        lists = dict(request.session.get(ACTIVE_LIST, {}))
        lists[key] = request.GET["list"] or None
        request.session[ACTIVE_LIST] = lists
    return request.session.get(ACTIVE_LIST, {}).get(key)


def active_list_forget(request, gallery) -> None:
    """The chosen list is gone: hearts go to Favourites again."""
    request.session.get(ACTIVE_LIST, {}).pop(str(gallery.public_id), None)
    request.session.modified = True


# --- the gallery and photo pages ------------------------------------------------------------


def _layout(request, gallery) -> str:
    chosen = request.GET.get("layout") or request.session.get(LAYOUTS, {}).get(
        str(gallery.public_id)
    )
    if chosen in Layout.values:
        if request.GET.get("layout"):
            layouts = dict(request.session.get(LAYOUTS, {}))
            layouts[str(gallery.public_id)] = chosen
            request.session[LAYOUTS] = layouts
        return chosen
    return gallery.layout


def _page_context(request, gallery, access, photo_set) -> dict:
    page = selectors.photos_page(
        gallery, photo_set=photo_set, cursor=request.GET.get("after") or None
    )
    ids = [photo.pk for photo in page.photos]
    favourites = selectors.favourite_ids(access, ids, active_list(request, gallery))
    return {"page": page, "favourites": favourites}


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
        "share_url": absolute_url(gallery_url(gallery)),
        **_page_context(request, gallery, access, photo_set),
    }
    cover = gallery.cover_photo
    card_image = rendition_url(cover, "preview", "jpeg") if cover is not None else None
    context["og_image"] = absolute_url(card_image) if card_image else ""
    if request.htmx and request.GET.get("after"):
        return render(request, "storefront/_photo_items.html", context)
    # The lightbox counts and walks every photo, fetching the pages the grid has not loaded yet.
    after = request.GET.get("after") or None
    context["photo_count"] = selectors.photos_count(gallery, photo_set=photo_set, cursor=after)
    context["lists"] = selectors.visitor_lists(access)
    context["sells"] = access.can_interact and buy_panel.sells_anything(gallery)
    context["packages"] = buy_panel.gallery_packages(gallery) if context["sells"] else None
    context["package_error"] = package_error
    context["downloads_allowed"] = downloads.gallery_downloads_allowed(access)
    active = active_list(request, gallery)
    context["active_list"] = next(
        (item for item in context["lists"] if str(item.public_id) == active), None
    )
    return render(request, "storefront/gallery.html", context, status=status)


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
        in selectors.favourite_ids(access, [found.pk], active_list(request, gallery)),
        "comments": selectors.photo_comments(found, access),
        "share_url": absolute_url(
            reverse("storefront:photo", args=[gallery.public_id, found.public_id])
        ),
        "buy": buy or (buy_panel.buy_panel(found) if access.can_interact else None),
        "buy_locked": not access.can_interact and buy_panel.sells_anything(gallery),
    }
    return render(request, "storefront/photo.html", context, status=status)
