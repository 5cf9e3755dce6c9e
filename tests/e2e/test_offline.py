"""A client opens a gallery and picks a favourite; offline, both are still there on the phone."""

import re
import time

import pytest

from proofsheet.accounts.services import user_create
from proofsheet.galleries import services
from proofsheet.galleries.models import PhotoStatus, Visibility
from tests.support import PHOTOS, stop_process

pytestmark = [pytest.mark.browser, pytest.mark.server]

SAVED = """async (url) => {
  for (const name of await caches.keys()) {
    if (name.startsWith("proofsheet-pages-") && (await (await caches.open(name)).match(url))) {
      return true;
    }
  }
  return false;
}"""
SAVED_WITH = """async ([url, text]) => {
  for (const name of await caches.keys()) {
    if (!name.startsWith("proofsheet-pages-")) continue;
    const saved = await (await caches.open(name)).match(url);
    if (saved && (await saved.text()).includes(text)) return true;
  }
  return false;
}"""
PICTURES_SHOWN = """(selector) => {
  const images = [...document.querySelectorAll(selector)];
  return images.length > 0 && images.every((img) => img.complete && img.naturalWidth > 0);
}"""


def eventually(page, script: str, arg, timeout: float = 15.0) -> None:
    """Poll an async page function (wait_for_function does not await the promise it returns)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(script, arg):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {script[:80]}"
        page.wait_for_timeout(100)


def public_gallery(owner, title, names):
    """A public gallery of ready photos (this process's task backend runs them at once)."""
    gallery = services.gallery_create(owner=owner, title=title, visibility=Visibility.PUBLIC)
    for name in names:
        result = services.photo_ingest(
            gallery=gallery, owner=owner, source=PHOTOS / name, original_name=name
        )
        assert result.photo is not None, result
    assert {p.status for p in gallery.photos.all()} == {PhotoStatus.READY}
    return gallery


def test_a_visited_gallery_and_the_favourites_stay_viewable_offline(
    proofsheet_server, server_media, page
):
    url = proofsheet_server.url
    owner, _ = user_create(email="ph@example.test", role="photographer", display_name="Ada")
    names = ["Canon_40D.jpg", "Nikon_D70.jpg", "orientation/portrait_6.jpg"]
    gallery = public_gallery(owner, "Harbour at dawn", names)
    unvisited = public_gallery(owner, "Never opened here", ["Canon_40D.jpg"])
    gallery_url = f"{url}/g/{gallery.public_id}/"
    favourites_url = f"{gallery_url}favourites/"
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # First visit: the worker installs, takes over, and saves the page it was too late for.
    page.goto(gallery_url)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    eventually(page, SAVED, gallery_url)
    page.wait_for_function(PICTURES_SHOWN, arg=".tile-image")

    # A heart asks for the email first, and counts once it is given.
    page.locator(".tile").first.get_by_role("button", name=re.compile("Favourite")).click()
    page.wait_for_url(re.compile(r".*/email/\?next=.*"))
    page.get_by_label("Email").fill("client@example.test")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(re.escape(gallery_url) + "#photo-"))
    page.locator(".tile").first.locator("button.favourite.on").wait_for()
    # The saved copy of the grid catches up with the heart.
    eventually(page, SAVED_WITH, [gallery_url, 'aria-pressed="true"'])
    page.goto(favourites_url)
    page.get_by_role("heading", name="Your picks").wait_for()
    assert page.locator(".tile-image").count() == 1
    page.wait_for_function(PICTURES_SHOWN, arg=".tile-image")
    eventually(page, SAVED, favourites_url)

    # The network goes away (the server too: Playwright's offline mode spares service workers),
    # and so does the HTTP cache (phones evict it freely): only the worker's caches are left.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.clearBrowserCache")
    cdp.detach()
    page.context.set_offline(True)
    stop_process(proofsheet_server.process)

    page.goto(gallery_url)
    page.get_by_role("heading", name="Harbour at dawn").wait_for()
    assert page.locator(".tile-image").count() == len(names)
    assert page.locator("button.favourite.on").count() == 1  # the heart as it was left
    page.wait_for_function(PICTURES_SHOWN, arg=".tile-image")
    page.get_by_role("status").filter(has_text="You are offline").wait_for()
    page.screenshot(path=server_media.parent.parent / "offline-gallery.png", full_page=True)

    page.goto(favourites_url)
    page.get_by_role("heading", name="Your picks").wait_for()
    assert page.locator(".tile-image").count() == 1
    page.wait_for_function(PICTURES_SHOWN, arg=".tile-image")

    # A gallery never opened on this device: the offline page, pointing at what is saved.
    page.goto(f"{url}/g/{unvisited.public_id}/")
    page.get_by_role("heading", name="You are offline").wait_for()
    assert "Galleries you opened before are still here" in page.content()
    saved = page.get_by_role("navigation", name="Saved on this device")
    saved.get_by_role("link", name="Harbour at dawn").wait_for()
    # The installed app starts at "/": offline, that is the same page.
    page.goto(f"{url}/")
    page.get_by_role("heading", name="You are offline").wait_for()
    assert not [e for e in errors if "Content Security Policy" in e]
