"""What the storefront's view modules share: a visitor's gallery access kept in the session,
the `gallery_view` decorator that loads it, and the photo lookup every gallery page does."""

from __future__ import annotations

from functools import wraps

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from proofsheet.galleries import access as gallery_access
from proofsheet.galleries import client_selectors as selectors
from proofsheet.galleries.access import AccessDenied
from proofsheet.galleries.models import Visibility

GRANTS = "gallery_grants"  # the session key: {gallery public id: grant}


def grant_of(request, gallery) -> dict | None:
    return request.session.get(GRANTS, {}).get(str(gallery.public_id))


def grant_save(request, grant: dict) -> None:
    grants = dict(request.session.get(GRANTS, {}))
    grants[grant["gallery"]] = grant
    request.session[GRANTS] = grants


def gallery_view(view):
    """Load the gallery and the visitor's access, or send them where access is granted."""

    @wraps(view)
    def wrapper(request, gallery_id, **kwargs):
        gallery = selectors.gallery_get(gallery_id)
        if gallery is None:
            raise Http404
        try:
            access = gallery_access.gallery_access(
                gallery=gallery, user=request.user, grant=grant_of(request, gallery)
            )
        except AccessDenied as denied:
            return denied_page(request, gallery, denied.reason)
        request.gallery_access = access
        response = view(request, gallery, access, **kwargs)
        if gallery.visibility != Visibility.PUBLIC:
            response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapper


def denied_page(request, gallery, reason: str):
    if reason == "expired":
        context = {"photographer": gallery.owner}
        return render(request, "storefront/expired.html", context, status=410)
    target = "storefront:unlock" if reason == "code" else "storefront:email_gate"
    url = reverse(target, args=[gallery.public_id])
    if request.htmx or request.method != "GET":
        return HttpResponse(status=403)
    return redirect(f"{url}?next={request.get_full_path()}")


def photo_or_404(gallery, photo_id):
    found = selectors.photo_get(gallery, photo_id)
    if found is None:
        raise Http404
    return found
