"""Health endpoints for load balancers, and local public media for the embedded mode."""

from pathlib import Path

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import storages
from django.http import FileResponse, Http404, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from proofsheet.core.health import readiness


@never_cache
@require_GET
def healthz(request):
    """Answer 200 while the process is alive; touches nothing else."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    """Answer 200 when database, storage and task queue are reachable, else 503 with reasons."""
    checks = readiness()
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )


@require_GET
def public_media(request, path: str):
    """Serve a public file from local storage (embedded mode; a CDN or nginx serves it at scale).

    Rendition keys change whenever their pixels change, so they are cached for a year. Originals
    live in another storage with no URL at all, so nothing here can reach them (R06).
    """
    storage = storages["public"]
    try:
        full_path = Path(storage.path(path))  # safe_join inside: no way out of the folder
    except SuspiciousFileOperation as exc:
        raise Http404("Not found") from exc
    if not full_path.is_file():
        raise Http404("Not found")
    response = FileResponse(full_path.open("rb"))
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    # Media is never active content in our origin (R16).
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-site"
    return response
