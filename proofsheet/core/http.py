"""Request helpers."""

from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse

from proofsheet.core.zipping import ZipStream, zip_length


def client_ip(request: HttpRequest) -> str:
    """Return the client's IP, trusting X-Forwarded-For only as far as TRUSTED_PROXY_COUNT (R21).

    Each trusted proxy appends the address it saw, so with n proxies the client's address is the
    n-th entry from the right; anything further left was written by the client and is ignored.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    hops = settings.TRUSTED_PROXY_COUNT
    if hops <= 0:
        return remote
    forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [p for p in forwarded if p]
    if len(forwarded) < hops:
        return remote
    return forwarded[-hops]


def attachment_header(filename: str) -> str:
    """`Content-Disposition` for a download (R08): a plain ASCII `filename` for old clients and
    the exact name as RFC 5987 `filename*`; quotes, slashes and control characters never pass."""
    cleaned = "".join(ch for ch in filename if ch.isprintable() and ch not in '/\\"') or "download"
    fallback = cleaned.encode("ascii", "replace").decode().replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(cleaned, safe='')}"


def file_response(file, filename: str, content_type: str) -> FileResponse:
    """An open file, streamed as a download named `filename` (R08)."""
    response = FileResponse(file, content_type=content_type)
    response["Content-Disposition"] = attachment_header(filename)
    return response


def csv_response(text: str, filename: str) -> HttpResponse:
    """A CSV export as a download named `filename`: private, never cached."""
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = attachment_header(filename)
    response["Cache-Control"] = "private, no-store"
    return response


def zip_response(archive: ZipStream, filename: str) -> StreamingHttpResponse:
    """A streamed ZIP download (R08): private, never cached, no referrer, and its length when it
    is known before it starts (the browser then shows a real progress bar and time left)."""
    response = StreamingHttpResponse(archive, content_type="application/zip")
    length = zip_length(archive)
    if length is not None:
        response["Content-Length"] = str(length)
    response["Content-Disposition"] = attachment_header(filename)
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def quiet(response: HttpResponse) -> HttpResponse:
    """For a response whose URL holds a secret token (R08): private, never cached, no referrer,
    and never written to Django's request log (which logs every 4xx/5xx with its path)."""
    setattr(response, "_has_been_logged", True)  # noqa: B010 (read by django.utils.log)
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
