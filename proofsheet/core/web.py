"""What the HTML interfaces (storefront, studio) share: safe redirects and showing refusals.

A domain error (`core.errors`) reaches a person on a page in one of two ways: beside the form
that caused it (the view catches it and re-renders), or as a message on the page the browser goes
back to (`refuse`). One that no view catches is shown by `DomainErrorMiddleware` with its
status, never as a server error.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from proofsheet.core.errors import DomainError, as_domain_error


def safe_next(request: HttpRequest, default: str, *, field: str = "next") -> str:
    """The `next` address the request carries (POST, then GET) if it is a path on this site,
    else `default`. Only a path: "x", "//evil.example" or "https://evil.example" fall back."""
    wanted = request.POST.get(field) or request.GET.get(field) or ""
    if (
        wanted.startswith("/")
        and not wanted.startswith("//")
        and "\\" not in wanted
        and url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return wanted
    return default


def redirect_next(request: HttpRequest, default: str, *, field: str = "next") -> HttpResponse:
    """Redirect to `next` if it is safe, else to `default` (a URL, never a URL name)."""
    return HttpResponseRedirect(safe_next(request, default, field=field))


def refuse(request: HttpRequest, error: DomainError, to: str) -> HttpResponse:
    """Say why on the page the browser goes back to (`to`, a URL, or a safe `next`)."""
    messages.error(request, error.message)
    return redirect_next(request, to)


def refused_page(request: HttpRequest, error: DomainError) -> HttpResponse:
    """A page (or, for htmx, a fragment) that says why, with the error's status."""
    if request.headers.get("HX-Request"):
        return HttpResponse(error.message, status=error.status, content_type="text/plain")
    return render(request, "refused.html", {"error": error}, status=error.status)


class DomainErrorMiddleware:
    """A domain error no view caught is a page that says why (4xx), not a server error. Django's
    own 403/404 pages stay as they are; API paths have their own handler (api/errors.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError) or request.path.startswith("/api/"):
            return None
        error = as_domain_error(exception)
        return refused_page(request, error) if error is not None else None


class ServiceErrorsMixin:
    """For forms: show a domain error beside the fields it names, the rest above the form."""

    def add_service_errors(self, error: Exception) -> None:
        known = as_domain_error(error)
        if known is None or known.status == 404:  # nothing to fix in the form: the page is a 404
            raise error
        if not known.fields:
            self.add_error(None, known.message)  # type: ignore[attr-defined]
            return
        for name, sentences in known.fields.items():
            field = name if name in self.fields else None  # type: ignore[attr-defined]
            self.add_error(field, sentences)  # type: ignore[attr-defined]
