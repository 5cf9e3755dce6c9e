""" "Download all" in headless Chromium, as a phone and as a desktop: the gallery's button gives
one ZIP of its photos; behind a download PIN, the PIN page comes first; originals by choice."""

from __future__ import annotations

import io
import zipfile

import pytest

from proofsheet.galleries import access
from tests.e2e.test_client_gallery import FILES, make_gallery
from tests.support import PHOTOS

pytestmark = [pytest.mark.browser, pytest.mark.server]
NAMES = sorted(name.split("/")[-1] for name in FILES)


def zip_of(download) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(download.path().read_bytes()))
    assert archive.testzip() is None
    return archive


def test_the_button_downloads_a_zip_of_the_gallerys_photos(proofsheet_server, server_media, page):
    gallery = make_gallery(title="Harbour at dawn", visibility="public", downloads_enabled=True)
    page.goto(f"{proofsheet_server.url}/g/{gallery.public_id}/")
    button = page.locator(".gallery-tools").get_by_role("link", name="Download all")
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44  # a finger-sized target on phones too
    assert box["x"] + box["width"] <= page.viewport_size["width"]

    with page.expect_download() as info:
        button.click()

    assert info.value.suggested_filename == f"{gallery.slug}-photos.zip"
    archive = zip_of(info.value)
    assert sorted(archive.namelist()) == NAMES
    assert all(archive.read(name)[:3] == b"\xff\xd8\xff" for name in NAMES)
    page.get_by_role("heading", name="Harbour at dawn").wait_for()  # still on the gallery


def test_the_pin_comes_first_and_originals_are_a_choice(proofsheet_server, server_media, page):
    gallery = make_gallery(
        title="Rivera wedding",
        visibility="public",
        downloads_enabled=True,
        originals_downloadable=True,
    )
    access.gallery_set_download_pin(gallery=gallery, pin="2468")
    gallery_url = f"{proofsheet_server.url}/g/{gallery.public_id}/"
    page.goto(gallery_url)
    tools = page.locator(".gallery-tools")

    tools.get_by_role("button", name="Download all").click()
    page.get_by_role("heading", name="Download PIN").wait_for()
    page.get_by_label("PIN").fill("2468")
    with page.expect_download() as info:
        page.get_by_role("button", name="Continue").click()
    assert sorted(zip_of(info.value).namelist()) == NAMES

    page.goto(gallery_url)
    tools.get_by_label("Size").select_option(label="Originals")
    with page.expect_download() as info:
        tools.get_by_role("button", name="Download all").click()

    assert info.value.suggested_filename == f"{gallery.slug}-originals.zip"
    archive = zip_of(info.value)
    assert sorted(archive.namelist()) == NAMES
    for name in FILES:
        assert archive.read(name.split("/")[-1]) == (PHOTOS / name).read_bytes()
