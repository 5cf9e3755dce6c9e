"""A client with the code buys the whole gallery from its page in headless Chromium, as a guest."""

from __future__ import annotations

from decimal import Decimal

import pytest

from proofsheet.catalog.sheets import gallery_pricing_set, price_sheet_starter
from proofsheet.fulfillment.models import DownloadGrant
from proofsheet.galleries import access
from proofsheet.orders.models import Order
from tests.e2e.test_client_gallery import FILES, make_gallery

pytestmark = [pytest.mark.browser, pytest.mark.server]


def test_a_client_buys_the_whole_gallery(proofsheet_server, server_media, page):
    gallery = make_gallery(title="Rivera wedding", visibility="private")
    gallery_pricing_set(gallery=gallery, sheet=price_sheet_starter(owner=gallery.owner))
    code = access.gallery_rotate_access_code(gallery=gallery)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{proofsheet_server.url}/g/{gallery.public_id}/")
    page.get_by_label("Access code").fill(code)
    page.get_by_role("button", name="Open gallery").click()

    # Folded into one line above the photos (they come first on a phone); opened, the offer says
    # what it is and what it costs, and the deals are listed beside it.
    offer = page.get_by_role("region", name="Buy the whole gallery")
    assert not offer.is_visible()
    summary = page.get_by_text(f"Buy all {len(FILES)} photos · 300.00 EUR")
    summary.wait_for()
    summary.click()
    offer.get_by_text(
        f"All {len(FILES)} photos · Full resolution · Personal use — 300.00 EUR"
    ).wait_for()
    deals = page.get_by_role("region", name="Package deals")
    deals.get_by_text("10 × Web-size download for 60.00 EUR").wait_for()
    button = offer.get_by_role("button", name="Add to cart")
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44  # a finger-sized target on phones too
    assert box["x"] + box["width"] <= page.viewport_size["width"]
    button.click()

    # The cart holds it once, at its price; checkout needs only an email.
    page.get_by_text("The whole gallery (digital) added to your cart.").wait_for()
    page.get_by_role("heading", name="Your cart").wait_for()
    page.locator(".cart-line").filter(has_text="The whole gallery (digital)").wait_for()
    page.locator("[data-total]").filter(has_text="300.00 EUR").wait_for()
    page.get_by_role("link", name="Checkout").click()
    page.get_by_label("Email").fill("maria@example.test")
    page.get_by_role("button", name="Place order").click()

    page.get_by_role("heading", name="How to pay").wait_for()
    order = Order.objects.get()
    assert order.total == Decimal("300.00") and order.lines.get().gallery == gallery
    assert not DownloadGrant.objects.exists()  # grants come when it is paid
    assert not [e for e in errors if "Content Security Policy" in e], errors
