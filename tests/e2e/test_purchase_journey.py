"""The whole purchase journey in Chromium, with real mail over SMTP on loopback.

A guest finds a photo, buys a print and a full-resolution download with a code; the photographer
marks the order paid; the guest downloads the file until its count runs out; the photographer
marks the print shipped and the guest gets the tracking email.
"""

from __future__ import annotations

import io
import re
import time
from decimal import Decimal
from urllib.parse import urljoin

import pytest
from PIL import Image
from playwright.sync_api import Error as PlaywrightError

from proofsheet.accounts.services import user_create
from proofsheet.cart.models import Discount
from proofsheet.catalog.sheets import gallery_pricing_set, price_sheet_starter
from proofsheet.catalog.store import store_settings_update
from proofsheet.fulfillment.shipping import shipping_method_create, shipping_rate_create
from proofsheet.galleries import services
from proofsheet.galleries.models import PhotoStatus
from tests.support import PHOTOS, mail_text

pytestmark = [pytest.mark.browser, pytest.mark.server]
PASSWORD = "darkroom-silver-gelatin-8"
SELLER = "ada@example.test"
BUYER = "ann@example.test"
GPS_PHOTO = PHOTOS / "gps" / "DSCN0010.jpg"
TRACKING = "LA123456789FR"
FULL_SIZE = (2560, 1920)


@pytest.fixture
def server_env(smtp_server):
    """Mail goes to the loopback SMTP server; 2 downloads a link."""
    return {
        "EMAIL_URL": smtp_server.url,
        "DOWNLOAD_GRANT_MAX": "2",
    }


def camera_photo(folder):
    """A real camera photo with GPS, enlarged past the 1600 px preview so sizes can differ."""
    with Image.open(GPS_PHOTO) as source:
        exif = source.info["exif"]
        assert source.getexif().get_ifd(0x8825)  # the source has GPS
        path = folder / GPS_PHOTO.name
        source.resize(FULL_SIZE).save(path, quality=90, exif=exif)
    return path


def open_shop(folder):
    owner, _ = user_create(
        email=SELLER, role="photographer", password=PASSWORD, display_name="Ada Lens"
    )
    gallery = services.gallery_create(owner=owner, title="Harbour at dusk", visibility="public")
    services.photo_ingest(
        gallery=gallery, owner=owner, source=camera_photo(folder), original_name=GPS_PHOTO.name
    )
    assert gallery.photos.filter(status=PhotoStatus.READY).count() == 1
    gallery_pricing_set(gallery=gallery, sheet=price_sheet_starter(owner=owner))
    store_settings_update(owner=owner, payment_instructions="Pay by bank transfer.")
    Discount.objects.create(owner=owner, code="SPRING10", kind="percent", value=Decimal("10"))
    method = shipping_method_create(owner=owner, name="Standard post", currency="EUR")
    shipping_rate_create(method=method, first_item="6.00")
    return gallery


def wait_for_mail(smtp_server, to: str, subject: str, timeout: float = 30.0):
    """The first received message to `to` whose subject contains `subject`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in list(smtp_server.messages):
            if to in message["To"] and subject in message["Subject"]:
                return message
        time.sleep(0.1)
    got = [(m["To"], m["Subject"]) for m in smtp_server.messages]
    raise AssertionError(f"no mail to {to} about {subject!r}; got {got}")


def download(page, link: str):
    """Open a download link; return the suggested file name and the downloaded bytes."""
    with page.expect_download() as info:
        try:
            page.goto(link)
        except PlaywrightError as exc:  # navigating to an attachment aborts the navigation
            assert "Download is starting" in str(exc) or "ERR_ABORTED" in str(exc), exc
    dl = info.value
    return dl.suggested_filename, dl.path().read_bytes()


def test_guest_buys_pays_downloads_until_used_up_and_gets_the_tracking(
    proofsheet_server,
    server_media,
    smtp_server,
    chromium,
    page,
    tmp_path,
):
    url = proofsheet_server.url
    open_shop(tmp_path)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # The guest finds the photo in the public gallery and opens its buy panel from the lightbox.
    page.goto(url)
    page.get_by_role("link", name="Harbour at dusk").click()
    page.get_by_role("heading", name="Harbour at dusk").wait_for()
    # The preview the lightbox shows, to compare with what the guest buys.
    tile = page.locator("a.tile-link").first
    preview = page.request.get(urljoin(page.url, tile.get_attribute("data-pswp-src"))).body()
    preview_width = Image.open(io.BytesIO(preview)).width
    tile.click()
    page.locator(".pswp").wait_for()
    page.locator(".pswp__button--buy").click()
    panel = page.locator("#buy")
    panel.get_by_role("heading", name="Buy this photo").wait_for()

    # A print with a paper option, then a full-resolution download.
    price = page.locator("#buy-price [data-price]")
    panel.get_by_label("8x10 print", exact=False).first.check()
    page.locator("#buy-price [data-missing]").filter(has_text="Choose a paper.").wait_for()
    page.locator("select[name^='options-']:visible").first.select_option(label="Lustre (+1.00 EUR)")
    price.filter(has_text="16.00 EUR").wait_for()
    panel.get_by_role("button", name="Add to cart").click()
    page.get_by_text("8x10 print added to your cart.").wait_for()
    panel.get_by_role("radio", name=re.compile(r"^Full-resolution download(?!,)")).check()
    price.filter(has_text="35.00 EUR").wait_for()
    panel.get_by_role("button", name="Add to cart").click()
    page.get_by_text("Full-resolution download added to your cart.").wait_for()

    # The cart and a code.
    page.locator(".cart-link").click()
    page.get_by_role("heading", name="Your cart").wait_for()
    page.locator("[data-total]").filter(has_text="51.00 EUR").wait_for()
    page.get_by_role("textbox", name="Code").fill("SPRING10")
    page.get_by_role("button", name="Apply").click()
    page.get_by_text("Code SPRING10 applied.").wait_for()
    page.locator("[data-total]").filter(has_text="45.90 EUR").wait_for()

    # Checkout as a guest with an address and the shipping method.
    page.get_by_role("link", name="Checkout").click()
    page.get_by_role("heading", name="Checkout").wait_for()
    page.get_by_label("Email").fill(BUYER)
    page.get_by_label("Full name").first.fill("Ann Buyer")
    page.get_by_label("Street and number").first.fill("1 Rue Haute")
    page.get_by_label("City").first.fill("Lyon")
    page.get_by_label("Country").first.select_option("FR")
    page.get_by_text("Standard post — 6.00 EUR").wait_for()
    page.locator("[data-total]").filter(has_text="51.90 EUR").wait_for()
    page.get_by_role("button", name="Place order").click()
    page.get_by_role("heading", name="How to pay").wait_for()
    heading = page.get_by_role("heading", name=re.compile(r"^Thank you — order ")).inner_text()
    number = heading.rsplit(" ", 1)[-1]

    # The confirmation email arrives over SMTP, with the order and a link to its page.
    confirmation = mail_text(wait_for_mail(smtp_server, BUYER, f"Your order {number}"))
    assert "1 × 8x10 print (Paper: Lustre): 16.00 EUR" in confirmation
    assert "1 × Full-resolution download: 35.00 EUR" in confirmation
    assert "Discount (SPRING10)" in confirmation and "Total: 51.90 EUR" in confirmation
    order_url = re.search(rf"{re.escape(url)}/orders/\S+", confirmation).group(0)

    # The photographer signs in (another browser) and marks the order paid.
    studio_context = chromium.new_context(viewport={"width": 1280, "height": 800})
    try:
        studio = studio_context.new_page()
        studio.set_default_timeout(15_000)
        studio.goto(f"{url}/accounts/login/")
        studio.get_by_label("Email").fill(SELLER)
        studio.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
        studio.get_by_role("button", name="Sign In").click()
        studio.wait_for_url(url + "/studio/")
        studio.get_by_role("link", name="Orders", exact=True).first.click()
        studio.get_by_role("heading", name="Orders").wait_for()
        row = studio.get_by_test_id("order-row").filter(has_text=number)
        assert "Awaiting payment" in row.inner_text() and BUYER in row.inner_text()
        row.get_by_role("link", name=number).click()
        studio.get_by_role("heading", name=f"Order {number}").wait_for()
        studio.get_by_label("Payment reference").fill("BANK-42")
        studio.get_by_role("button", name="Mark paid").click()
        studio.get_by_text(f"{number} is paid; the client was emailed.").wait_for()
        assert studio.get_by_test_id("order-status").inner_text() == "Paid"

        # The "payment received" email carries the download link.
        paid = mail_text(wait_for_mail(smtp_server, BUYER, f"Payment received for order {number}"))
        assert "each link works 2 times" in paid
        link = re.search(rf"{re.escape(url)}/downloads/\S+/", paid).group(0)

        # The guest downloads the file twice: a clean full-size JPEG without GPS.
        for _ in range(2):
            name, data = download(page, link)
            assert name == "DSCN0010.jpg"
            image = Image.open(io.BytesIO(data))
            assert image.format == "JPEG"
            assert image.size == FULL_SIZE and image.width > preview_width
            assert len(data) > len(preview)
            assert not image.getexif().get_ifd(0x8825)  # no GPS
        # A third time the link is used up.
        response = page.goto(link)
        assert response.status == 410
        page.get_by_text("been used up").wait_for()
        page.goto(order_url)
        page.get_by_test_id("downloads").get_by_text("used up").wait_for()

        # The photographer ships the print; the guest is emailed the tracking number.
        studio.get_by_label("Carrier").fill("La Poste")
        studio.get_by_label("Tracking number").fill(TRACKING)
        studio.get_by_role("button", name="Mark shipped").click()
        studio.get_by_text(f"{number} is shipped; the client was emailed the tracking.").wait_for()
        assert studio.get_by_test_id("order-status").inner_text() == "Shipped"
    finally:
        studio_context.close()
    shipped = mail_text(wait_for_mail(smtp_server, BUYER, f"Order {number} is on its way"))
    assert "shipped with La Poste" in shipped and f"Tracking number: {TRACKING}" in shipped

    # The order page shows the shipment too.
    page.goto(order_url)
    page.get_by_text(f"La Poste · {TRACKING}").wait_for()
    assert page.get_by_test_id("order-status").inner_text() == "Shipped"
    assert not [e for e in errors if "Content Security Policy" in e], errors
