"""Paying by card in Chromium, as a phone and as a desktop, against a real `proofsheet serve`
and localstripe (a Stripe-speaking server on loopback) with its own Stripe.js stand-in, whose
card Element renders plain inputs and whose 3-D Secure challenge is a modal.

A guest buys a download; the first card is declined (the page says why, the order stays to be
paid); the retry with a 3-D Secure card completes the challenge; the order page shows it paid,
with the card, and the file downloads. The payment page alone allows localstripe's origin in its
Content-Security-Policy.

Not exercised in a browser (no offline server runs them): Stripe's Payment Element, wallets,
redirect-based methods; the server side of those is tested against the stand-in.
"""

from __future__ import annotations

import re

import pytest

from proofsheet.catalog.sheets import gallery_pricing_set, price_sheet_starter
from proofsheet.orders.models import Order
from proofsheet.payments.tests.stripe_support import DECLINED, THREE_D_SECURE, WEBHOOK_SECRET
from tests.e2e.test_accessibility import axe_source
from tests.e2e.test_client_gallery import make_gallery

pytestmark = [pytest.mark.browser, pytest.mark.server]
BUYER = "ann@example.test"


@pytest.fixture
def server_env(localstripe):
    return {
        "STRIPE_SECRET_KEY": "sk_test_x",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_x",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": localstripe.base_url,
        "STRIPE_JS_URL": f"{localstripe.base_url}/js.stripe.com/v3/",
        "STRIPE_ELEMENT": "card",
        "STRIPE_AUTOMATIC_METHODS": "false",
        "STRIPE_MAX_RETRIES": "0",
    }


def serious_violations(page) -> list[str]:
    """axe-core on our page, but for localstripe's stand-in card inputs (Stripe's real card
    form is its own accessible iframe)."""
    page.evaluate(axe_source())
    found = page.evaluate(
        """async () => (await axe.run({exclude: [["#pay-element"]]},
            {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}))
            .violations.filter((v) => ["serious", "critical"].includes(v.impact))
            .map((v) => v.id + ": " + v.nodes.map((n) => n.target.join(" ")).join(", "))"""
    )
    return list(found)


def fill_card(page, number: str) -> None:
    """localstripe's card Element: its own inputs, named by their placeholders."""
    form = page.locator("#pay-element")
    for field, value in (
        ("number", number),
        ("exp_month", "12"),
        ("exp_year", "34"),
        ("cvc", "123"),
        ("postal_code", "69001"),
    ):
        box = form.get_by_placeholder(field, exact=True)
        box.fill("")
        box.fill(value)


def test_a_guest_pays_by_card_after_a_decline_with_3d_secure_and_downloads(
    proofsheet_server, server_media, localstripe, page
):
    url = proofsheet_server.url
    gallery = make_gallery(title="Harbour at dawn", visibility="public")
    gallery_pricing_set(gallery=gallery, sheet=price_sheet_starter(owner=gallery.owner))
    photo = gallery.photos.order_by("id").first()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # A download into the cart, and checkout as a guest: a card shop goes straight to paying.
    page.goto(f"{url}/g/{gallery.public_id}/p/{photo.public_id}/")
    page.get_by_role("radio", name=re.compile(r"^Full-resolution download(?!,)")).first.check()
    page.get_by_role("button", name="Add to cart").first.click()
    page.get_by_text("Full-resolution download added to your cart.").wait_for()
    page.goto(f"{url}/checkout/")
    page.get_by_label("Email").fill(BUYER)
    with page.expect_navigation():
        page.get_by_role("button", name="Place order").click()
    page.get_by_role("heading", name=re.compile(r"^Pay order ")).wait_for()
    pay_url = page.url
    order = Order.objects.get(email=BUYER)
    assert order.payment_provider == "stripe"
    assert "Save this card" not in page.content()  # guests have no saved cards

    # Only the payment page lets localstripe's origin in.
    pay_policy = page.request.get(pay_url).headers["content-security-policy"]
    assert localstripe.base_url in pay_policy
    order_url = pay_url.removesuffix("pay/")
    order_policy = page.request.get(order_url).headers["content-security-policy"]
    assert localstripe.base_url not in order_policy

    # A declined card: the page says so, politely and out loud, and nothing is paid.
    pay = page.get_by_role("button", name=re.compile(r"^Pay "))
    pay.wait_for()
    page.wait_for_function("!document.getElementById('pay-submit').disabled")
    fill_card(page, DECLINED)
    pay.click()
    error = page.get_by_test_id("pay-error")
    error.filter(has_text=re.compile(r"declined", re.I)).wait_for()
    assert error.get_attribute("aria-live") == "assertive"
    order.refresh_from_db()
    assert order.status == "pending"
    box = pay.bounding_box()
    assert box is not None and box["x"] + box["width"] <= page.viewport_size["width"]
    assert serious_violations(page) == []

    # Again, with a card that asks for 3-D Secure, from the keyboard: the challenge is
    # completed in the modal.
    fill_card(page, THREE_D_SECURE)
    pay.focus()
    page.keyboard.press("Enter")
    # localstripe asks once for the card's setup and once for the payment.
    challenge = page.get_by_role("button", name="Complete authentication")
    challenge.click()
    challenge.click()
    page.get_by_test_id("order-status").filter(has_text="Paid").wait_for()
    assert re.search(r"Paid with Visa •••• 3184", page.get_by_test_id("paid-with").inner_text())
    assert page.get_by_role("link", name="Pay by card").count() == 0
    assert serious_violations(page) == []

    # The download.
    link = page.get_by_test_id("downloads").get_by_role("link").first
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename.endswith(".jpg")
    assert info.value.path().read_bytes()[:3] == b"\xff\xd8\xff"
    assert not [e for e in errors if "Content Security Policy" in e], errors
