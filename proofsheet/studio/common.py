"""What the studio's view modules share: who may enter, and the photographer's own objects
(anything else — another photographer's, or nothing — is a 404, R01)."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from proofsheet.accounts.services import seller_required
from proofsheet.galleries import selectors
from proofsheet.galleries.models import Gallery, Photo, PhotoSet


def photographer_required(view):
    """Logged-in photographers (and admins) only; clients get 403 (`seller_only`)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        seller_required(request.user)
        return view(request, *args, **kwargs)

    return wrapper


def owned_gallery(request, gallery_id) -> Gallery:
    gallery = selectors.gallery_get_owned(request.user, gallery_id)
    if gallery is None:
        raise Http404("No such gallery")
    return gallery


def owned_photo(request, photo_id) -> Photo:
    photo = selectors.photo_get_owned(request.user, photo_id)
    if photo is None:
        raise Http404("No such photo")
    return photo


def owned_set(gallery: Gallery, set_id) -> PhotoSet:
    photo_set = selectors.photo_set_get(gallery, set_id)
    if photo_set is None:
        raise Http404("No such set")
    return photo_set
