"""A client in headless Chromium buys a print with "No frame" (an optional group), then sees the
price rise when they choose a frame."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from proofsheet.cart.models import CartLine
from proofsheet.catalog.products import option_add, product_update
from proofsheet.catalog.sheets import gallery_pricing_set, price_sheet_starter
from proofsheet.galleries import client_selectors
from tests.e2e.test_client_gallery import make_gallery

pytestmark = [pytest.mark.browser, pytest.mark.server]


def test_a_print_without_a_frame_then_with_one(proofsheet_server, server_media, page):
    gallery = make_gallery(title="Harbour prints", visibility="public")
    sheet = price_sheet_starter(owner=gallery.owner)
    gallery_pricing_set(gallery=gallery, sheet=sheet)
    product = sheet.products.get(name="8x10 print")  # 15.00, Paper required (Glossy first)
    option_add(product=product, group="Frame", name="Black oak", price_delta="30")
    product_update(product=product, optional_groups=["Frame"])
    photo = client_selectors.photos_page(gallery).photos[0]
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(
        proofsheet_server.url
        + reverse("storefront:photo", args=[gallery.public_id, photo.public_id])
    )
    panel = page.locator("#buy")
    panel.locator(f"#product-{product.public_id}").check()
    selects = panel.locator(f"select[name='options-{product.public_id}']")
    frame = selects.filter(has=page.locator("option", has_text="No frame"))
    assert frame.input_value() == ""  # "No frame" comes first and is chosen
    paper = selects.filter(has=page.locator("option", has_text="Choose a paper…"))
    assert paper.input_value() == ""  # a required paper is asked for, not picked
    page.locator("#buy-price [data-missing]").filter(has_text="Choose a paper.").wait_for()
    paper.select_option(label="Glossy")
    price = page.locator("#buy-price [data-price]")
    price.filter(has_text="15.00 EUR").wait_for()

    panel.get_by_role("button", name="Add to cart").click()
    page.get_by_text("8x10 print added to your cart.").wait_for()
    line = CartLine.objects.get()
    assert [o.name for o in line.options.all()] == ["Glossy"]

    # Choosing a frame: the server's price rises by its surcharge.
    panel.locator(f"#product-{product.public_id}").check()
    paper.select_option(label="Glossy")
    frame.select_option(label="Black oak (+30.00 EUR)")
    price.filter(has_text="45.00 EUR").wait_for()
    frame.select_option(label="No frame")
    price.filter(has_text="15.00 EUR").wait_for()

    # The cart kept the print without a frame.
    page.locator(".cart-link").click()
    page.get_by_role("heading", name="Your cart").wait_for()
    page.locator("[data-total]").filter(has_text="15.00 EUR").wait_for()
    assert line.options.get().price_delta == Decimal(0)
    assert not [e for e in errors if "Content Security Policy" in e], errors
