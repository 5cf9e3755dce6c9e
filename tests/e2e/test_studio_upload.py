"""A photographer uploads a batch in headless Chromium and watches progress and statuses."""

import re
import shutil

import pytest

from proofsheet.accounts.services import user_create
from proofsheet.galleries.models import Gallery, PhotoStatus
from tests.support import PHOTOS

pytestmark = [pytest.mark.browser, pytest.mark.server]
PASSWORD = "darkroom-silver-gelatin-8"


def log_in(page, url, email):
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"{url}/studio/")


def test_batch_upload_with_progress_statuses_and_a_rejected_file(proofsheet_server, page, tmp_path):
    url = proofsheet_server.url
    user_create(email="ph@example.test", role="photographer", password=PASSWORD)
    files = []
    for name in ("Canon_40D.jpg", "Nikon_D70.jpg", "orientation/portrait_6.jpg"):
        target = tmp_path / name.replace("/", "-")
        shutil.copy(PHOTOS / name, target)
        files.append(target)
    bad = tmp_path / "not-a-photo.jpg"
    bad.write_text("<html><script>alert(1)</script></html>")
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    log_in(page, url, "ph@example.test")
    page.get_by_role("link", name="New gallery").click()
    page.get_by_label("Title").fill("Lake wedding")
    page.get_by_role("button", name="Create gallery").click()
    page.wait_for_url(re.compile(r".*/studio/galleries/[0-9a-f-]+/$"))
    assert "Client access code:" in page.content()

    page.locator(".uppy-Dashboard-input").first.set_input_files([*files, bad])

    # Uppy shows per-file progress; the rejected file shows its reason.
    page.get_by_text("not-a-photo.jpg").first.wait_for()
    page.locator(".uppy-StatusBar").wait_for()
    page.screenshot(path=tmp_path / "uploading.png", full_page=True)
    errors_list = page.get_by_test_id("upload-errors")
    errors_list.get_by_text(re.compile(r"not-a-photo\.jpg: .*not accepted")).wait_for()
    # The grid fills in without a reload as the worker finishes each photo.
    page.get_by_test_id("status-summary").filter(has_text="3 ready").wait_for(timeout=60_000)
    assert page.get_by_test_id("photo").count() == 3
    page.screenshot(path=tmp_path / "studio.png", full_page=True)

    gallery = Gallery.objects.get(title="Lake wedding")
    assert {p.status for p in gallery.photos.all()} == {PhotoStatus.READY}
    # The batch's notification appears on the dashboard.
    page.goto(f"{url}/studio/")
    page.get_by_test_id("notifications").get_by_text("3 photos ready in").wait_for(timeout=30_000)
    assert not [e for e in errors if "Content Security Policy" in e]
