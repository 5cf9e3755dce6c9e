"""axe-core checks the main pages in headless Chromium, as a phone and as a desktop.

Each page is scanned against WCAG 2.0/2.1 A and AA; a violation of impact "serious" or
"critical" fails the test. axe-core is the npm devDependency, read from node_modules (run
`npm ci`); it is injected into the page, never copied into the repository.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from proofsheet.accounts.services import user_create
from proofsheet.catalog.services import gallery_pricing_set, price_sheet_starter
from proofsheet.galleries import services
from proofsheet.galleries.models import PhotoStatus
from proofsheet.orders.services import LineSpec, Totals, order_access_token, order_create
from tests.support import PHOTOS, ROOT

pytestmark = [pytest.mark.browser, pytest.mark.server]

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING = {"serious", "critical"}
PASSWORD = "darkroom-silver-gelatin-8"
SELLER = "ada@example.test"
VIEWPORTS = {
    # As the `page` fixture of conftest.py makes them.
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}
RUN_AXE = """async (options) => {
  const results = await axe.run(document, options);
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.length,
    targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
  }));
}"""


def open_shop():
    """A photographer's public gallery of two photos, priced, and one guest order."""
    owner, _ = user_create(
        email=SELLER, role="photographer", password=PASSWORD, display_name="Ada Lens"
    )
    gallery = services.gallery_create(owner=owner, title="Harbour at dawn", visibility="public")
    for name in ["Canon_40D.jpg", "orientation/portrait_6.jpg"]:
        services.photo_ingest(
            gallery=gallery, owner=owner, source=PHOTOS / name, original_name=name.split("/")[-1]
        )
    assert gallery.photos.filter(status=PhotoStatus.READY).count() == 2
    sheet = price_sheet_starter(owner=owner)
    gallery_pricing_set(gallery=gallery, sheet=sheet)
    photo = gallery.photos.order_by("position", "created_at").first()
    price = Decimal("10.00")
    order, _ = order_create(
        seller=owner,
        email="ann@example.test",
        currency="EUR",
        lines=[
            LineSpec(
                product_name="Web-size download",
                kind="digital",
                quantity=1,
                unit_price=price,
                total=price,
                photo_id=photo.pk,
                resolution="web",
                licence="personal",
            )
        ],
        totals=Totals(
            subtotal=price,
            discount_total=Decimal(0),
            shipping_total=Decimal(0),
            tax_total=Decimal(0),
            total=price,
        ),
    )
    return gallery, sheet, order


@functools.cache
def axe_source() -> str:
    return AXE.read_text()


class Axe:
    """Runs axe on the page it is given and keeps the failing violations."""

    def __init__(self):
        self.failures: list[str] = []
        self.pages = 0

    def check(self, page, where: str, *, skip: tuple[str, ...] = ()) -> None:
        """Scan the whole document; `skip` turns off single rules (say why where it is used)."""
        page.wait_for_load_state("load")
        if not page.evaluate("() => typeof window.axe === 'object'"):
            # Evaluated rather than added as a <script>: our CSP rightly refuses inline scripts.
            page.evaluate(axe_source())
        options = {
            "runOnly": {"type": "tag", "values": TAGS},
            "rules": {rule: {"enabled": False} for rule in skip},
        }
        self.pages += 1
        for v in page.evaluate(RUN_AXE, options):
            if v["impact"] in FAILING:
                targets = ", ".join(v["targets"])
                self.failures.append(
                    f"{where}: {v['id']} ({v['impact']}, {v['nodes']} nodes): {v['help']} "
                    f"— {targets}"
                )


def client_pages(page, axe: Axe, url: str, kind: str, gallery, order) -> None:
    """What a guest sees: gallery, lightbox, photo, favourites, cart, checkout, order."""
    page.goto(url)
    axe.check(page, f"{kind} home")

    gallery_url = url + reverse("storefront:gallery", args=[gallery.public_id])
    page.goto(gallery_url)
    page.get_by_role("heading", name="Harbour at dawn").wait_for()
    axe.check(page, f"{kind} gallery")

    page.locator("a.tile-link").first.click()
    page.locator(".pswp__counter").filter(has_text="1 / 2").wait_for()
    page.wait_for_timeout(600)  # PhotoSwipe's opening animation
    axe.check(page, f"{kind} lightbox")
    page.locator(".pswp__button--info-button").click()
    page.locator(".pswp-info").get_by_text("Camera").wait_for()
    axe.check(page, f"{kind} lightbox with the photo info")

    page.locator(".pswp__button--buy").click()
    page.wait_for_url("**/#buy")
    panel = page.locator("#buy")
    panel.get_by_role("heading", name="Buy this photo").wait_for()
    axe.check(page, f"{kind} photo page with the buy panel")

    panel.get_by_label("Web-size download").check()
    page.locator("#buy-price [data-price]").filter(has_text="10.00 EUR").wait_for()
    panel.get_by_role("button", name="Add to cart").click()
    page.get_by_text("Web-size download added to your cart.").wait_for()

    # A heart asks for an email first, then the favourites page lists the pick.
    page.goto(gallery_url)
    page.locator(".tile").first.get_by_role("button", name=re.compile("Favourite")).click()
    page.wait_for_url(re.compile(r".*/email/\?next=.*"))
    axe.check(page, f"{kind} email gate")
    page.get_by_label("Email").fill(f"{kind}@example.test")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(re.escape(gallery_url) + "#photo-"))
    page.locator(".tile").first.locator("button.favourite.on").wait_for()  # the heart is kept
    page.goto(url + reverse("storefront:favourites", args=[gallery.public_id]))
    page.get_by_role("heading", name="Your picks").wait_for()
    axe.check(page, f"{kind} favourites")

    page.goto(url + reverse("storefront:cart"))
    page.locator(".cart-line").first.wait_for()
    axe.check(page, f"{kind} cart")

    page.get_by_role("link", name="Checkout").click()
    page.get_by_role("heading", name="Checkout").wait_for()
    axe.check(page, f"{kind} checkout")

    page.goto(url + reverse("storefront:order", args=[order_access_token(order)]))
    page.get_by_text(order.number).first.wait_for()
    axe.check(page, f"{kind} order (guest link)")

    page.goto(url + reverse("account_login"))
    axe.check(page, f"{kind} log in")
    page.goto(url + reverse("account_signup"))
    axe.check(page, f"{kind} sign up")


def studio_pages(page, axe: Axe, url: str, kind: str, gallery, sheet, order) -> None:
    """What the signed-in photographer sees: dashboard, gallery, prices, orders."""
    for where, path in [
        ("studio dashboard", reverse("studio:dashboard")),
        ("studio gallery", reverse("studio:gallery", args=[gallery.public_id])),
        ("price sheet editor", reverse("studio:price_sheet", args=[sheet.public_id])),
        ("studio orders", reverse("studio:orders")),
        ("studio order", reverse("studio:order", args=[order.public_id])),
    ]:
        page.goto(url + path)
        page.wait_for_url(url + path)  # not sent to the log-in page
        axe.check(page, f"{kind} {where}")


def test_the_main_pages_have_no_serious_accessibility_violations(
    proofsheet_server, server_media, chromium
):
    assert AXE.is_file(), f"{AXE} is missing: run npm ci"
    url = proofsheet_server.url
    gallery, sheet, order = open_shop()
    axe = Axe()
    signed_in = None  # the photographer's cookies, logged in once and reused
    for kind, options in VIEWPORTS.items():
        guest = chromium.new_context(**options)
        try:
            page = guest.new_page()
            page.set_default_timeout(15_000)
            client_pages(page, axe, url, kind, gallery, order)
            if signed_in is None:
                page.goto(url + reverse("account_login"))
                page.get_by_label("Email").fill(SELLER)
                page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
                page.get_by_role("button", name="Sign In").click()
                page.wait_for_url(url + reverse("studio:dashboard"))
                signed_in = guest.storage_state()
        finally:
            guest.close()
        studio = chromium.new_context(storage_state=signed_in, **options)
        try:
            page = studio.new_page()
            page.set_default_timeout(15_000)
            studio_pages(page, axe, url, kind, gallery, sheet, order)
        finally:
            studio.close()
    assert axe.pages == 2 * 17
    assert not axe.failures, "serious or critical axe violations:\n" + "\n".join(axe.failures)
