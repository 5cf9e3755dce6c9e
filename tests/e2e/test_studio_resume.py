"""A slow upload interrupted by a page reload resumes from where it was (tus + Uppy)."""

import re

import pytest
import pyvips

from proofsheet.accounts.services import user_create
from proofsheet.galleries.models import Gallery, PhotoStatus
from tests.e2e.test_studio_upload import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.mark.parametrize("page", ["desktop"], indirect=True)
def test_an_upload_resumes_after_the_tab_reloads(proofsheet_server, page, tmp_path):
    url = proofsheet_server.url
    user_create(email="ph@example.test", role="photographer", password=PASSWORD)
    # A noisy 12 MP JPEG of several MB, so the throttled upload takes a while.
    photo = tmp_path / "big.jpg"
    (
        pyvips.Image.gaussnoise(4000, 3000, sigma=60, mean=128)
        .cast("uchar")
        .bandjoin([pyvips.Image.gaussnoise(4000, 3000, sigma=60, mean=128).cast("uchar")] * 2)
        .copy(interpretation="srgb")
        .jpegsave(str(photo), Q=95)
    )
    size = photo.stat().st_size
    log_in(page, url, "ph@example.test")
    page.get_by_role("link", name="New gallery").click()
    page.get_by_label("Title").fill("Resume")
    page.get_by_role("button", name="Create gallery").click()
    page.wait_for_url(re.compile(r".*/studio/galleries/[0-9a-f-]+/$"))
    gallery_url = page.url

    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 20, "downloadThroughput": -1, "uploadThroughput": size / 8},
    )  # about 8 s for the whole file
    page.locator(".uppy-Dashboard-input").first.set_input_files(photo)
    # Wait for at least one 5 MB chunk... or a third of a smaller file, to reach the server.
    page.wait_for_function(
        "() => { const f = window.proofsheetUppy.getFiles()[0];"
        " return f && f.progress.bytesUploaded > f.size / 3; }",
        timeout=30_000,
    )

    offsets = []  # where each chunk sent after the reload starts
    page.on(
        "request",
        lambda r: offsets.append(int(r.headers["upload-offset"])) if r.method == "PATCH" else None,
    )
    page.goto(gallery_url)  # the tab reloads mid-upload
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )

    page.get_by_test_id("status-summary").filter(has_text="1 ready").wait_for(timeout=60_000)
    gallery = Gallery.objects.get(title="Resume")
    [stored] = gallery.photos.all()
    assert stored.status == PhotoStatus.READY and stored.size == size
    # It went on from where the server had got to, not from the first byte.
    assert offsets and offsets[0] > 0
