"""The installable app: manifest, icons, the service worker script and the offline page."""

import json
import re

import pytest
import pyvips
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.staticfiles import finders

from proofsheet.galleries.models import Visibility
from proofsheet.galleries.tests.factories import GalleryFactory
from proofsheet.storefront import pwa

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

MAIN_CSS = settings.BASE_DIR / "frontend" / "src" / "main.css"


def css_variable(name: str) -> str:
    match = re.search(rf"--{name}:\s*(#[0-9a-fA-F]{{3,8}})\s*;", MAIN_CSS.read_text())
    assert match, f"--{name} is not in main.css"
    return match.group(1).lower()


def worker(client) -> tuple[dict, str]:
    """The worker's configuration (the line the server puts first) and its source."""
    response = client.get("/sw.js")
    first, source = response.content.decode().split("\n", 1)
    assert first.startswith("self.PROOFSHEET_SW = ") and first.endswith(";")
    return json.loads(first.removeprefix("self.PROOFSHEET_SW = ").removesuffix(";")), source


def test_manifest_describes_an_installable_app(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["name"] == "Proofsheet"
    assert data["short_name"]
    assert data["start_url"] == "/" and data["scope"] == "/"
    assert data["display"] == "standalone"
    assert data["theme_color"] == css_variable("paper")
    assert data["background_color"] == css_variable("wash")


def test_manifest_icons_are_served_pngs_of_their_stated_size(client):
    icons = json.loads(client.get("/manifest.webmanifest").content)["icons"]
    pngs = [icon for icon in icons if icon["type"] == "image/png"]
    assert {icon["sizes"] for icon in pngs} >= {"192x192", "512x512"}
    assert any(icon.get("purpose") == "maskable" for icon in pngs)
    for icon in icons:
        served = client.get(icon["src"])
        assert served.status_code == 200, icon["src"]
        assert served["Content-Type"] == icon["type"]
        if icon["type"] == "image/png":
            path = finders.find(icon["src"].removeprefix(settings.STATIC_URL))
            image = pyvips.Image.new_from_file(path)
            assert f"{image.width}x{image.height}" == icon["sizes"]
            if icon.get("purpose") == "maskable":  # masks crop the corners: none may be see-through
                assert not image.hasalpha()


def test_every_page_links_the_manifest_and_theme_colour_once(client):
    gallery = GalleryFactory(visibility=Visibility.PUBLIC)
    theme = json.loads(client.get("/manifest.webmanifest").content)["theme_color"]
    for url in ("/", f"/g/{gallery.public_id}/", "/offline/"):
        html = client.get(url).content.decode()
        assert html.count('rel="manifest"') == 1, url
        assert html.count('<link rel="manifest" href="/manifest.webmanifest">') == 1, url
        assert html.count('name="theme-color"') == 1, url
        assert f'<meta name="theme-color" content="{theme}">' in html, url


def test_service_worker_is_served_from_the_root_and_never_kept_stale(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == "application/javascript"
    assert response["Cache-Control"] == "no-cache"
    assert response["Service-Worker-Allowed"] == "/"
    config, source = worker(client)
    assert 'addEventListener("fetch"' in source
    # What it saves at install is there to be saved.
    assert client.get(config["offline"]).status_code == 200
    for url in config["shell"]:
        assert url.startswith(settings.STATIC_URL)
        assert finders.find(url.removeprefix(settings.STATIC_URL)), url
    assert config["renditions"] == ["/media/public/renditions/"]
    assert {"/api/", "/studio/", "/accounts/", f"/{settings.ADMIN_PATH}"} <= set(config["never"])


def test_a_changed_bundle_gives_the_worker_a_new_version(client, monkeypatch, tmp_path):
    before = worker(client)[0]["version"]
    assert worker(client)[0]["version"] == before
    changed = tmp_path / "proofsheet.js"
    changed.write_text("console.log('a new deploy');")
    real_find = finders.find
    monkeypatch.setattr(
        pwa.finders,
        "find",
        lambda path, **kw: str(changed) if path == "proofsheet.js" else real_find(path, **kw),
    )
    assert worker(client)[0]["version"] != before


def test_the_worker_may_fetch_renditions_from_a_cdn(client, settings, tmp_path):
    settings.STORAGES = settings.STORAGES | {
        "public": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {
                "location": str(tmp_path / "cdn"),
                "base_url": "https://cdn.example.test/public/",
            },
        }
    }
    response = client.get("/sw.js")
    assert worker(client)[0]["renditions"] == ["https://cdn.example.test/public/renditions/"]
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["connect-src"] == "'self' https://cdn.example.test"
    assert policy["script-src"] == "'self'"


def test_offline_page_links_back_and_shows_nothing_personal(photographer_client):
    response = photographer_client.get("/offline/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "You are offline" in html
    assert "Galleries you opened before are still here" in html
    assert 'href="/"' in html
    assert "data-saved-galleries" in html
    # The worker saves this page once and shows it to whoever uses the device later.
    assert photographer_client.user.email not in html
    assert "Log out" not in html


def test_offline_page_leaves_flash_messages_for_the_next_page(rf):
    # The worker fetches /offline/ in the background, maybe right after "Sent your selection":
    # that message belongs to the page the visitor is about to see.
    request = rf.get("/offline/")
    request.user = AnonymousUser()
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    messages.success(request, "Sent your picks to Ada.")
    response = pwa.offline(request)
    assert "Sent your picks" not in response.content.decode()
    assert not request._messages.used
