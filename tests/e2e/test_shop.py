"""A client in headless Chromium buys a print and a download with a code, as a guest."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from proofsheet.cart.models import CartLine, Discount
from proofsheet.catalog.sheets import gallery_pricing_set, price_sheet_starter
from proofsheet.catalog.store import store_settings_update
from proofsheet.fulfillment.shipping import shipping_method_create, shipping_rate_create
from proofsheet.galleries import client_selectors
from proofsheet.orders.models import Order, OrderStatus
from tests.e2e.test_client_gallery import make_gallery

pytestmark = [pytest.mark.browser, pytest.mark.server]
INSTRUCTIONS = "Pay by bank transfer to IBAN FR76 3000 6000 0112 3456 7890 189."


def open_shop():
    gallery = make_gallery(title="Harbour prints", visibility="public")
    owner = gallery.owner
    gallery_pricing_set(gallery=gallery, sheet=price_sheet_starter(owner=owner))
    store_settings_update(owner=owner, payment_instructions=INSTRUCTIONS)
    Discount.objects.create(owner=owner, code="SPRING10", kind="percent", value=Decimal("10"))
    method = shipping_method_create(owner=owner, name="Standard post", currency="EUR")
    shipping_rate_create(method=method, first_item="6.00")
    return gallery


def test_a_guest_buys_a_print_and_a_download_with_a_code(
    proofsheet_server,
    server_media,
    page,
):
    url = proofsheet_server.url
    gallery = open_shop()
    photo = client_selectors.photos_page(gallery).photos[0]  # the first tile
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # From the lightbox, "Buy" opens the photo's page at its buy panel.
    page.goto(url + reverse("storefront:gallery", args=[gallery.public_id]))
    page.locator("a.tile-link").first.click()
    page.locator(".pswp").wait_for()
    buy_button = page.locator(".pswp__button--buy")
    assert buy_button.get_attribute("href").endswith(f"/p/{photo.public_id}/#buy")
    buy_button.click()
    page.wait_for_url(f"**/p/{photo.public_id}/#buy")
    panel = page.locator("#buy")
    panel.get_by_role("heading", name="Buy this photo").wait_for()

    # Nothing is chosen until the client chooses: no product, then a paper to pick.
    missing = page.locator("#buy-price [data-missing]")
    missing.filter(has_text="Choose a print or a download.").wait_for()
    assert panel.locator("input[name='product']:checked").count() == 0
    panel.get_by_label("8x10 print", exact=False).first.check()
    missing.filter(has_text="Choose a paper.").wait_for()
    paper = page.locator("select[name^='options-']:visible").first
    assert paper.input_value() == "" and "Choose a paper…" in paper.inner_text()
    panel.get_by_role("button", name="Add to cart").click()  # says what is missing
    page.locator("#buy-error").filter(has_text="Choose a paper.").wait_for()
    assert not CartLine.objects.exists()

    # A print: choosing its paper gives the price, from the server.
    price = page.locator("#buy-price [data-price]")
    page.locator("select[name^='options-']:visible").first.select_option(label="Lustre (+1.00 EUR)")
    price.filter(has_text="16.00 EUR").wait_for()
    page.get_by_label("Quantity").fill("2")
    price.filter(has_text="32.00 EUR").wait_for()
    panel.get_by_role("button", name="Add to cart").click()
    page.get_by_text("8x10 print added to your cart.").wait_for()
    page.locator(".cart-link").filter(has_text="(2").wait_for()

    # A download of the same photo.
    panel.get_by_label("Web-size download").check()
    price.filter(has_text="10.00 EUR").wait_for()
    page.get_by_label("Quantity").fill("1")
    price.filter(has_text="10.00 EUR").wait_for()
    panel.get_by_role("button", name="Add to cart").click()
    page.get_by_text("Web-size download added to your cart.").wait_for()

    # The cart, and a code.
    page.locator(".cart-link").click()
    page.get_by_role("heading", name="Your cart").wait_for()
    page.locator("[data-total]").filter(has_text="42.00 EUR").wait_for()
    page.get_by_role("textbox", name="Code").fill("spring10")
    page.get_by_role("button", name="Apply").click()
    page.get_by_text("Code SPRING10 applied.").wait_for()
    page.locator("[data-total]").filter(has_text="37.80 EUR").wait_for()

    # Checkout as a guest: email, address, the only shipping method, place the order.
    page.get_by_role("link", name="Checkout").click()
    page.get_by_role("heading", name="Checkout").wait_for()
    page.get_by_label("Email").fill("ann@example.test")
    page.get_by_label("Full name").first.fill("Ann Buyer")
    page.get_by_label("Street and number").first.fill("1 Rue Haute")
    page.get_by_label("City").first.fill("Lyon")
    page.get_by_label("Country").first.select_option("FR")  # updates rates and totals live
    page.get_by_text("Standard post — 6.00 EUR").wait_for()
    page.locator("[data-total]").filter(has_text="43.80 EUR").wait_for()
    page.get_by_role("button", name="Place order").click()

    page.get_by_role("heading", name="How to pay").wait_for()
    order = Order.objects.get()
    assert order.status == OrderStatus.PENDING and order.total == Decimal("43.80")
    assert order.discount_code == "SPRING10" and order.lines.count() == 2
    page.get_by_role("heading", name=f"Thank you — order {order.number}").wait_for()
    page.get_by_text("IBAN FR76").wait_for()
    page.get_by_text(f"Reference: {order.number}").wait_for()
    page.get_by_role("link", name="Your order page").click()
    page.get_by_text(order.number).first.wait_for()
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_without_javascript_the_panel_chooses_nothing_and_says_what_is_missing(
    proofsheet_server, server_media, chromium
):
    gallery = open_shop()
    photo = client_selectors.photos_page(gallery).photos[0]
    phone = {"width": 390, "height": 844}
    context = chromium.new_context(java_script_enabled=False, viewport=phone)
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.goto(
            proofsheet_server.url
            + reverse("storefront:photo", args=[gallery.public_id, photo.public_id])
        )
        panel = page.locator("#buy")
        panel.get_by_text("Choose a print or a download.").wait_for()
        assert panel.locator("input[name='product']:checked").count() == 0

        # A plain form: the print's options show once it is chosen (CSS), its paper unchosen.
        panel.get_by_label("8x10 print", exact=False).first.check()
        paper = panel.locator("select[name^='options-']:visible").first
        assert paper.input_value() == ""
        panel.get_by_role("button", name="Add to cart").click()
        page.locator("#buy-error").filter(has_text="Choose a paper.").wait_for()
        assert not CartLine.objects.exists()

        # The page came back with the print still chosen; a paper, and it goes in the cart.
        paper = panel.locator("select[name^='options-']:visible").first
        paper.select_option(label="Lustre (+1.00 EUR)")
        panel.get_by_role("button", name="Add to cart").click()
        page.get_by_text("8x10 print added to your cart.").wait_for()
        assert [o.name for o in CartLine.objects.get().options.all()] == ["Lustre"]
    finally:
        context.close()
