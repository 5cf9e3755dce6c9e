"""A tour of the pages a visitor, a client and a photographer reach, for the browser checks.

`open_shop()` makes one photographer's shop with something on every page; the tours open each
page (and states such as the lightbox or the buy panel) and call `check(page, where)` there.
test_accessibility.py runs axe-core at each stop, test_phone_layout.py measures the width.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.urls import reverse

from proofsheet.accounts.services import user_create
from proofsheet.cart.discounts import discount_create
from proofsheet.catalog.models import PriceSheet, Product
from proofsheet.catalog.sheets import gallery_pricing_set, price_sheet_starter
from proofsheet.catalog.store import tax_rule_create
from proofsheet.fulfillment.shipping import shipping_method_create, shipping_rate_create
from proofsheet.galleries import services
from proofsheet.galleries.models import Gallery, Layout, Photo, PhotoStatus
from proofsheet.orders.models import Order
from proofsheet.orders.services import LineSpec, Totals, order_access_token, order_create
from proofsheet.payments.ledger import ledger_record
from proofsheet.payments.services import payment_mark_received, payment_start
from tests.support import PHOTOS

PASSWORD = "darkroom-silver-gelatin-8"
SELLER = "ada@example.test"
BUYER = "cleo@example.test"
PHOTO_FILES = ["Canon_40D.jpg", "orientation/portrait_6.jpg", "gps/DSCN0027.jpg"]

Check = Callable[..., None]  # check(page, where)


@dataclass
class Shop:
    owner: object
    gallery: Gallery
    private_gallery: Gallery
    photo: Photo
    sheet: PriceSheet
    product: Product
    order: Order  # a guest's, awaiting payment, opened by its signed link
    buyer_order: Order  # the signed-in client's, paid


def _order(seller, photo, *, email: str, customer=None) -> Order:
    """A print and a download, as a client buys them: amounts with cents, shipping, tax."""
    download, print_ = Decimal("12.50"), Decimal("2") * Decimal("24.90")
    subtotal = download + print_
    order = order_create(
        seller=seller,
        email=email,
        customer=customer,
        currency="EUR",
        lines=[
            LineSpec(
                product_name="Web-size download",
                kind="digital",
                quantity=1,
                unit_price=download,
                total=download,
                photo_id=photo.pk,
                resolution="web",
                licence="personal",
            ),
            LineSpec(
                product_name="Fine art print 30 × 40 cm",
                kind="print",
                quantity=2,
                unit_price=Decimal("24.90"),
                total=print_,
                photo_id=photo.pk,
                options=["Hahnemühle Photo Rag", "Matte finish", "White border"],
            ),
        ],
        totals=Totals(
            subtotal=subtotal,
            discount_total=Decimal("6.23"),
            shipping_total=Decimal("7.90"),
            tax_total=Decimal("10.34"),
            total=subtotal - Decimal("6.23") + Decimal("7.90"),
        ),
        discount_code="SPRING10",
        shipping_method="Standard post",
        shipping_address={
            "name": "Cleo Buyer",
            "line1": "12 Rue des Photographes",
            "city": "Lyon",
            "postcode": "69001",
            "country": "FR",
        },
        payment_provider="offline",
    )
    payment_start(order)  # as the checkout does: its pages show how to pay
    return order


def open_shop() -> Shop:
    """A photographer's public gallery of three photos, priced, with every studio page filled."""
    owner, _ = user_create(
        email=SELLER, role="photographer", password=PASSWORD, display_name="Ada Lens"
    )
    buyer, _ = user_create(email=BUYER, role="client", password=PASSWORD, display_name="Cleo")
    gallery = services.gallery_create(owner=owner, title="Harbour at dawn", visibility="public")
    for name in PHOTO_FILES:
        services.photo_ingest(
            gallery=gallery, owner=owner, source=PHOTOS / name, original_name=name.split("/")[-1]
        )
    assert gallery.photos.filter(status=PhotoStatus.READY).count() == len(PHOTO_FILES)
    # The widest one (640 px renditions, as a camera's photo gets) is the gallery's cover.
    services.gallery_set_cover(
        gallery=gallery, photo=gallery.photos.get(original_name="DSCN0027.jpg")
    )
    private_gallery = services.gallery_create(
        owner=owner, title="Wedding of Mia and Sam", visibility="private"
    )
    sheet = price_sheet_starter(owner=owner)
    gallery_pricing_set(gallery=gallery, sheet=sheet)
    photo = gallery.photos.order_by("position", "created_at").first()
    discount_create(owner=owner, code="SPRING10", kind="percent", value=10)
    method = shipping_method_create(owner=owner, name="Standard post")
    shipping_rate_create(method=method, countries=["FR", "BE"], first_item=7.9, additional_item=2)
    tax_rule_create(owner=owner, country="FR", physical_rate=20, digital_rate=20)
    product = sheet.products.filter(options__isnull=False).distinct().order_by("position").first()
    buyer_order = _order(owner, photo, email=BUYER, customer=buyer)
    # Paid: its pages show the downloads and the payment too.
    payment_mark_received(order=buyer_order, actor=owner, reference="BANK-42")
    # The ledger's page shows card money: a sale and a partial refund (amounts with cents).
    ledger_record(owner, "sale", Decimal("62.30"), "EUR", buyer_order, "pi_tour", "Order paid")
    ledger_record(owner, "refund", Decimal("-12.50"), "EUR", buyer_order, "re_tour", "Refund")
    return Shop(
        owner=owner,
        gallery=gallery,
        private_gallery=private_gallery,
        photo=photo,
        sheet=sheet,
        product=product,
        order=_order(owner, photo, email="ann@example.test"),
        buyer_order=buyer_order,
    )


def sign_in(page, url: str, email: str) -> list[dict]:
    """Log in through the form; return the session's cookies to reuse in other contexts."""
    login = url + reverse("account_login")
    page.goto(login)
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda address: not address.startswith(login))
    cookies = page.context.cookies()
    assert any(c["name"] == "sessionid" for c in cookies), "not signed in"
    return cookies


def visit(page, check: Check, url: str, pages: list[tuple[str, str]], kind: str) -> None:
    """Open each page (where, path) as it is, and check it."""
    for where, path in pages:
        response = page.goto(url + path)
        assert response is not None and response.ok, f"{where}: {path} answered {response}"
        page.wait_for_url(url + path)  # not sent to the log-in page
        check(page, f"{kind} {where}")


def visitor_pages(shop: Shop) -> list[tuple[str, str]]:
    """What anyone reaches without an account or a cart."""
    return [
        ("photographer's page", reverse("storefront:portfolio", args=[shop.owner.public_id])),
        ("access code entry", reverse("storefront:code_entry")),
        (
            "private gallery's code",
            reverse("storefront:unlock", args=[shop.private_gallery.public_id]),
        ),
        ("gallery QR code", reverse("storefront:qr", args=[shop.gallery.public_id])),
        ("password reset", reverse("account_reset_password")),
        ("offline page", reverse("storefront:offline")),
    ]


def client_pages(page, check: Check, url: str, kind: str, shop: Shop) -> None:
    """What a guest sees: gallery (each layout), lightbox, photo, favourites, cart, checkout,
    confirmation, order; log-in and sign-up; then the other pages open to anyone."""
    gallery, order = shop.gallery, shop.order
    email = re.sub(r"\W+", "", kind) + "@example.test"
    page.goto(url)
    check(page, f"{kind} home")

    gallery_url = url + reverse("storefront:gallery", args=[gallery.public_id])
    page.goto(gallery_url)
    page.get_by_role("heading", name="Harbour at dawn").wait_for()
    check(page, f"{kind} gallery")
    for layout in [Layout.MASONRY, Layout.GRID]:  # the visitor's layout switch
        page.goto(f"{gallery_url}?layout={layout}")
        page.locator(f".photos.layout-{layout}").wait_for()
        check(page, f"{kind} gallery ({layout.label})")
    page.goto(gallery_url)

    page.locator("a.tile-link").first.click()
    page.locator(".pswp__counter").filter(has_text=f"1 / {len(PHOTO_FILES)}").wait_for()
    page.wait_for_timeout(600)  # PhotoSwipe's opening animation
    check(page, f"{kind} lightbox")
    page.locator(".pswp__button--info-button").click()
    page.locator(".pswp-info").get_by_text("Camera").wait_for()
    check(page, f"{kind} lightbox with the photo info")

    page.locator(".pswp__button--buy").click()
    page.wait_for_url("**/#buy")
    panel = page.locator("#buy")
    panel.get_by_role("heading", name="Buy this photo").wait_for()
    check(page, f"{kind} photo page with the buy panel")

    panel.get_by_label("Web-size download").check()
    page.locator("#buy-price [data-price]").filter(has_text="10.00 EUR").wait_for()
    panel.get_by_role("button", name="Add to cart").click()
    page.get_by_text("Web-size download added to your cart.").wait_for()

    # A heart asks for an email first, then the favourites page lists the pick.
    page.goto(gallery_url)
    page.locator(".tile").first.get_by_role("button", name=re.compile("Favourite")).click()
    page.wait_for_url(re.compile(r".*/email/\?next=.*"))
    check(page, f"{kind} email gate")
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(re.escape(gallery_url) + "#photo-"))
    page.locator(".tile").first.locator("button.favourite.on").wait_for()  # the heart is kept
    page.goto(url + reverse("storefront:favourites", args=[gallery.public_id]))
    page.get_by_role("heading", name="Your picks").wait_for()
    check(page, f"{kind} favourites")
    # Sent, so that the studio's selections page has one to show.
    page.get_by_role("button", name=re.compile(r"^Send 1 photo")).click()
    page.locator(".notice").filter(has_text="was sent").wait_for()
    check(page, f"{kind} favourites, sent")

    page.goto(url + reverse("storefront:cart"))
    page.locator(".cart-line").first.wait_for()
    check(page, f"{kind} cart")

    page.get_by_role("link", name="Checkout").click()
    page.get_by_role("heading", name="Checkout").wait_for()
    check(page, f"{kind} checkout")
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Place order").click()
    page.get_by_role("heading", name=re.compile(r"^Thank you — order ")).wait_for()
    check(page, f"{kind} checkout confirmation")

    page.goto(url + reverse("storefront:order", args=[order_access_token(order)]))
    page.get_by_text(order.number).first.wait_for()
    check(page, f"{kind} order (guest link)")

    page.goto(url + reverse("account_login"))
    check(page, f"{kind} log in")
    page.goto(url + reverse("account_signup"))
    check(page, f"{kind} sign up")
    visit(page, check, url, visitor_pages(shop), kind)


def buyer_pages(shop: Shop) -> list[tuple[str, str]]:
    """What the signed-in client sees: their account, orders, and an order by its id."""
    return [
        ("account", reverse("account")),
        ("email addresses", reverse("account_email")),
        ("password change", reverse("account_change_password")),
        ("two-factor authentication", reverse("mfa_index")),
        ("my orders", reverse("storefront:my_orders")),
        ("my order", reverse("storefront:order", args=[shop.buyer_order.public_id])),
    ]


def studio_pages(shop: Shop) -> list[tuple[str, str]]:
    """What the signed-in photographer sees: dashboard, galleries, prices, shop, orders."""
    gallery, sheet, owner = shop.gallery, shop.sheet, shop.owner
    package = sheet.packages.order_by("created_at").first()
    discount = owner.discounts.get()
    method = owner.shipping_methods.get()
    rate = method.rates.get()
    tax_rule = owner.tax_rules.get()
    return [
        ("studio dashboard", reverse("studio:dashboard")),
        ("studio gallery", reverse("studio:gallery", args=[gallery.public_id])),
        ("price sheet editor", reverse("studio:price_sheet", args=[sheet.public_id])),
        ("studio orders", reverse("studio:orders")),
        ("studio order", reverse("studio:order", args=[shop.order.public_id])),
        ("studio order, paid", reverse("studio:order", args=[shop.buyer_order.public_id])),
        ("ledger", reverse("studio:ledger")),
        ("new gallery", reverse("studio:gallery_create")),
        ("gallery settings", reverse("studio:gallery_edit", args=[gallery.public_id])),
        ("selections", reverse("studio:selections", args=[gallery.public_id])),
        ("gallery watermark", reverse("studio:gallery_watermark", args=[gallery.public_id])),
        ("watermark", reverse("studio:watermark")),
        ("photo", reverse("studio:photo", args=[shop.photo.public_id])),
        ("price sheets", reverse("studio:price_sheets")),
        ("new product", reverse("studio:product_create", args=[sheet.public_id])),
        ("product", reverse("studio:product", args=[shop.product.public_id])),
        ("new package", reverse("studio:package_create", args=[sheet.public_id])),
        ("package", reverse("studio:package", args=[package.public_id])),
        ("store settings", reverse("studio:store")),
        ("tax rule", reverse("studio:tax_rule", args=[tax_rule.public_id])),
        ("discounts", reverse("studio:discounts")),
        ("new discount", reverse("studio:discount_create")),
        ("discount", reverse("studio:discount", args=[discount.public_id])),
        ("shipping", reverse("studio:shipping")),
        ("shipping method", reverse("studio:shipping_method", args=[method.public_id])),
        ("shipping rate", reverse("studio:shipping_rate", args=[rate.public_id])),
    ]


def walk(chromium, url: str, shop: Shop, contexts: dict[str, dict], check: Check) -> None:
    """The whole tour in one browser context per `kind` (its options): the guest's pages, then
    the client's and the photographer's, each account logged in once and its cookies reused."""
    cookies: dict[str, list[dict]] = {}
    for kind, options in contexts.items():
        # Without the service worker (test_offline.py tests it): its background refetches of
        # saved gallery pages would race the tour's requests and its cookie switches.
        context = chromium.new_context(service_workers="block", **options)
        try:
            page = context.new_page()
            page.set_default_timeout(15_000)
            client_pages(page, check, url, kind, shop)
            for who, email, pages in [
                ("client", BUYER, buyer_pages(shop)),
                ("photographer", SELLER, studio_pages(shop)),
            ]:
                context.clear_cookies()
                if who in cookies:
                    context.add_cookies(cookies[who])
                else:
                    cookies[who] = sign_in(page, url, email)
                visit(page, check, url, pages, f"{kind}, {who}:")
        finally:
            context.close()
