"""The installable web app: manifest, service worker and offline page (served from the site root).

The worker lives in frontend/src/sw.js as plain JavaScript; this view puts its configuration in
front of it (deploy version, app-shell URLs, where renditions live) so it needs no build step.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.staticfiles import finders
from django.core.files.storage import storages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET

# The colours of frontend/src/main.css: --paper (the header) and --wash (the page behind).
THEME_COLOR = "#ffffff"
BACKGROUND_COLOR = "#f4f5f7"

SW_SOURCE = Path(settings.BASE_DIR) / "frontend" / "src" / "sw.js"
# What every gallery page needs; saved when the worker installs, refreshed when a deploy changes it.
SHELL_ASSETS = ("proofsheet.css", "proofsheet.js", "gallery.css", "gallery.js", "favicon.svg")
# Paths the worker leaves alone entirely (no cache, no offline fallback).
NEVER_PREFIXES = ("/api/", "/_allauth/", "/studio/", "/accounts/", "/account/")


@require_GET
def manifest(request):
    """The web app manifest: name, colours, icons, and the whole site as its scope."""
    data = {
        "id": "/",
        "name": "Proofsheet",
        "short_name": "Proofsheet",
        "description": "Client galleries, proofing and prints from your photographer.",
        "lang": "en",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": [
            {"src": static("icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {"src": static("favicon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return JsonResponse(data, content_type="application/manifest+json")


def _rendition_prefix() -> str:
    # Rendition keys are renditions/<photo>/<version>/<name>.<fmt> (galleries.services).
    return storages["public"].url("renditions/")


def _worker_config() -> dict:
    admin = reverse("admin:index")
    config = {
        "offline": reverse("storefront:offline"),
        "static": settings.STATIC_URL,
        "shell": [static(name) for name in SHELL_ASSETS],
        "renditions": [_rendition_prefix()],
        "never": [*NEVER_PREFIXES, admin],
    }
    digest = hashlib.sha256(_source().encode())
    digest.update(json.dumps(config, sort_keys=True).encode())
    # Unhashed static names (development, tests) still give a new version when a bundle changes.
    for name in SHELL_ASSETS:
        found = finders.find(name)
        if found:
            digest.update(Path(found).read_bytes())
    return {"version": digest.hexdigest()[:16], **config}


def _source() -> str:
    return SW_SOURCE.read_text() if settings.DEBUG else _cached_source()


@cache
def _cached_source() -> str:
    return SW_SOURCE.read_text()


@require_GET
def service_worker(request):
    """The service worker script, at the root so that it may control every page."""
    config = _worker_config()
    body = f"self.PROOFSHEET_SW = {json.dumps(config)};\n{_source()}"
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    # Browsers must check for a new worker on every visit, not keep an old one for a day.
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    # The worker fetches renditions itself: a CDN origin must be allowed to it as to <img>.
    media = urlsplit(config["renditions"][0])
    if media.scheme and media.netloc:
        policy = dict(settings.SECURE_CSP)
        policy["connect-src"] = [*policy.get("connect-src", []), f"{media.scheme}://{media.netloc}"]
        response._csp_config = policy
    return response


@require_GET
def offline(request):
    """What the worker shows for a page it cannot fetch and never saved."""
    # Saved by the worker and shown to whoever is on this device later: nothing personal in it,
    # and the flash messages stay for the page they were meant for.
    context = {"user": AnonymousUser(), "messages": ()}
    response = render(request, "storefront/offline.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response
