"""Response compression for pages and JSON only."""

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
