"""The photographer's money pages in Chromium (phone and desktop), against `proofsheet serve`
talking to the Stripe stand-in: refund one line of a card order with the keyboard, see the
refund and what is left, then the ledger; an admin sees the platform's totals. Each page fits
the screen (no sideways scrolling, no amount broken across lines) and passes axe-core."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from proofsheet.accounts.services import user_create
from proofsheet.galleries import services
from proofsheet.galleries.models import PhotoStatus
from proofsheet.orders.models import OrderStatus
from proofsheet.orders.tests.support import digital, place
from proofsheet.payments import cards
from proofsheet.payments.tests.stripe_support import WEBHOOK_SECRET, use_stripe
from tests.e2e.test_accessibility import Axe
from tests.e2e.test_phone_layout import MEASURE
from tests.e2e.tour import PASSWORD, sign_in
from tests.support import PHOTOS

pytestmark = [pytest.mark.browser, pytest.mark.server]
SELLER = "ada@example.test"
ADMIN = "root@example.test"


@pytest.fixture
def server_env(standin):
    return {
        "STRIPE_SECRET_KEY": "sk_test_proofsheet",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_proofsheet",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": standin.base_url,
        "STRIPE_MAX_RETRIES": "0",
    }


def _card_order(settings, standin):
    use_stripe(settings, standin.base_url)
    owner, _ = user_create(email=SELLER, role="photographer", password=PASSWORD)
    gallery = services.gallery_create(owner=owner, title="Harbour", visibility="public")
    for name in ("Canon_40D.jpg", "gps/DSCN0027.jpg"):
        services.photo_ingest(
            gallery=gallery, owner=owner, source=PHOTOS / name, original_name=name.split("/")[-1]
        )
    photos = list(gallery.photos.filter(status=PhotoStatus.READY).order_by("position"))
    order = place(
        owner,
        [digital(photos[0], price="12.50"), digital(photos[1], price="30.00")],
        provider="stripe",
    )
    cards.card_payment_confirm(order, payment_method="pm_card_visa")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return order


def _fits(page) -> None:
    """The page fits the screen (phone: no sideways scrolling, no amount broken) and axe finds
    no serious or critical WCAG 2.1 AA violation."""
    problems = page.evaluate(MEASURE)
    axe = Axe()
    axe.check(page, page.url)
    assert not problems + axe.failures, problems + axe.failures


def test_a_photographer_refunds_one_line_by_keyboard_and_sees_the_ledger(
    proofsheet_server, server_media, standin, settings, page
):
    url = proofsheet_server.url
    order = _card_order(settings, standin)
    sign_in(page, url, SELLER)
    page.on("dialog", lambda dialog: dialog.accept())  # "Refund on PS-…?"
    page.goto(url + reverse("studio:order", args=[order.public_id]))
    payment = page.get_by_test_id("payments")
    assert "Visa •••• 4242" in payment.inner_text()
    _fits(page)

    refund = page.get_by_role("region", name="Refund")
    refund.get_by_label(re.compile(r"^full download · .*12\.50")).focus()
    page.keyboard.press("Space")
    assert refund.get_by_label("Chosen items").is_checked()  # ticking an item chose the way
    refund.get_by_label("Reason").fill("Wrong crop")
    refund.get_by_role("button", name="Refund").focus()
    page.keyboard.press("Enter")

    page.get_by_text("A refund of").wait_for()
    refunds = page.get_by_test_id("refunds").inner_text()
    assert "12.50" in refunds and "you" in refunds and "Wrong crop" in refunds
    assert page.get_by_test_id("refundable").inner_text().startswith("30.00")
    assert "refunded" in page.get_by_label(re.compile(r"^full download · .*12\.50")).evaluate(
        "el => el.labels[0].textContent"
    )
    _fits(page)

    page.goto(url + reverse("studio:dashboard"))
    page.get_by_role("link", name="Ledger").click()
    rows = page.get_by_test_id("ledger-row")
    assert rows.count() == 2
    assert "Refund" in rows.nth(1).inner_text() and "30.00" in rows.nth(1).inner_text()
    assert "30.00" in page.get_by_test_id("ledger-totals").inner_text()
    _fits(page)


def test_an_admin_sees_the_platform_totals(
    proofsheet_server, server_media, standin, settings, page
):
    url = proofsheet_server.url
    order = _card_order(settings, standin)
    cards.refund_create(order=order, actor=order.seller, amount="2.50")
    user_create(email=ADMIN, role="admin", password=PASSWORD)
    sign_in(page, url, ADMIN)
    page.goto(url + reverse("studio:dashboard"))
    page.get_by_role("link", name="Platform totals").click()
    totals = page.get_by_test_id("platform-totals").inner_text()
    assert "42.50" in totals and "2.50" in totals
    _fits(page)
