"""What the studio's view modules share: who may enter, the photographer's own objects
(anything else — another photographer's, or nothing — is a 404, R01), and the two ways a page
answers a rule's refusal: beside the form's fields (`save_form`), or as a message on the page a
button leads back to (`run_action`). Any other refusal is `core.web.DomainErrorMiddleware`'s."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect

from proofsheet.accounts.services import seller_required
from proofsheet.core.errors import DomainError
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
    return found(selectors.gallery_get_owned(request.user, gallery_id), "gallery")


def owned_photo(request, photo_id) -> Photo:
    return found(selectors.photo_get_owned(request.user, photo_id), "photo")


def owned_set(gallery: Gallery, set_id) -> PhotoSet:
    return found(selectors.photo_set_get(gallery, set_id), "set")


def found[T](obj: T | None, what: str) -> T:
    """`obj`, or a 404 ("No such `what`") when the selector found none of the user's."""
    if obj is None:
        raise Http404(f"No such {what}")
    return obj


def save_form[T](form, save: Callable[[dict[str, Any]], T], *, reload=None) -> T | None:
    """What `save(form.cleaned_data)` returns (a service's saved object) when the form is bound,
    valid and the rules let it through; else None, the rules' sentences beside the fields they
    name. `reload`, an object the service changed in memory, is read again after a refusal, so
    the page shows what is stored."""
    if not form.is_bound or not form.is_valid():
        return None
    try:
        with transaction.atomic():
            return save(form.cleaned_data)
    except DomainError as error:
        if reload is not None:
            reload.refresh_from_db()
        form.add_service_errors(error)  # a 404 is raised again: the page itself is not found
        return None


def run_action(
    request,
    action: Callable[[], str],
    *,
    back_to: str,
    refused: str = "",
    refused_to: str | None = None,
    atomic: bool = True,
) -> HttpResponse:
    """A button's POST: run `action`, which returns the sentence saying what it did, and go back
    to `back_to` showing it. A rule's refusal shows instead (after `refused`, such as "Prices not
    saved: ") on `refused_to` (default: `back_to`), with nothing saved. Not found stays a 404."""
    try:
        if atomic:
            with transaction.atomic():
                done = action()
        else:  # the action's service keeps its own transactions (one around a provider call)
            done = action()
    except DomainError as error:
        if error.status == 404:
            raise
        messages.error(request, refused + error.message)
        return HttpResponseRedirect(refused_to or back_to)
    messages.success(request, done)
    return HttpResponseRedirect(back_to)
