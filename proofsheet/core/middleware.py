"""Small cross-cutting request and response rules."""

from django.http import HttpResponseBadRequest
from django.middleware.gzip import GZipMiddleware

COMPRESSIBLE = ("text/html", "application/json", "text/csv", "image/svg+xml")


class TextGZipMiddleware(GZipMiddleware):
    """Django's gzip (with its BREACH padding), for text only: a gallery page shrinks ~9×, while
    photos, downloads and originals are already compressed and keep their Content-Length."""

    def process_response(self, request, response):
        content_type = response.get("Content-Type", "").split(";")[0].strip()
        if content_type not in COMPRESSIBLE:
            return response
        return super().process_response(request, response)


class RejectNulQueryMiddleware:
    """A NUL character in the query string is a 400 before any view runs: PostgreSQL text cannot
    hold it, and no search or filter of ours needs one (forms and API bodies reject it already)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in key or "\x00" in value for key, value in request.GET.items()):
            return HttpResponseBadRequest(
                "Text cannot contain NUL characters.", content_type="text/plain"
            )
        return self.get_response(request)
