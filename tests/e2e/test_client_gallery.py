"""A client in headless Chromium: browse, lightbox, access code, favourites and a selection."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import pyvips
from django.utils import timezone

from proofsheet.accounts.services import user_create
from proofsheet.galleries import access, client_selectors, services
from proofsheet.galleries.models import (
    Favourite,
    FavouriteList,
    Gallery,
    Photo,
    PhotoOrder,
    PhotoStatus,
)
from proofsheet.notifications.models import OutboundEmail
from tests.support import PHOTOS

pytestmark = [pytest.mark.browser, pytest.mark.server]
PASSWORD = "darkroom-silver-gelatin-8"
FILES = [
    "Canon_40D.jpg",
    "Nikon_D70.jpg",
    "orientation/portrait_6.jpg",
    "orientation/landscape_3.jpg",
]


def make_gallery(*, title: str, visibility: str, **fields) -> Gallery:
    owner, _ = user_create(
        email=f"ph-{visibility}@example.test",
        role="photographer",
        password=PASSWORD,
        display_name="Ada Lens",
    )
    gallery = services.gallery_create(owner=owner, title=title, visibility=visibility, **fields)
    for name in FILES:
        services.photo_ingest(
            gallery=gallery, owner=owner, source=PHOTOS / name, original_name=name.split("/")[-1]
        )
    assert gallery.photos.filter(status=PhotoStatus.READY).count() == len(FILES)
    return gallery


def test_public_gallery_lightbox_keys_swipe_zoom_and_photo_page(
    proofsheet_server, server_media, page
):
    url = proofsheet_server.url
    gallery = make_gallery(title="Harbour at dawn", visibility="public")
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(url)
    page.get_by_role("link", name="Harbour at dawn").click()
    page.get_by_role("heading", name="Harbour at dawn").wait_for()
    tiles = page.locator("a.tile-link")
    assert tiles.count() == len(FILES)
    # Every visible thumbnail actually decodes, with alt text.
    page.wait_for_function(
        "() => [...document.querySelectorAll('.tile-image')]"
        ".slice(0, 2).every((i) => i.naturalWidth > 0)"
    )
    assert all(tiles.nth(i).locator(".tile-image").get_attribute("alt") for i in range(4))

    # The lightbox opens on the first photo; arrow keys move, the address follows the photo.
    tiles.first.click()
    lightbox = page.locator(".pswp")
    lightbox.wait_for()
    page.locator(".pswp__counter").filter(has_text="1 / 4").wait_for()
    page.wait_for_timeout(600)  # PhotoSwipe ignores moves during its opening animation
    page.keyboard.press("ArrowRight")
    page.locator(".pswp__counter").filter(has_text="2 / 4").wait_for()
    assert re.search(r"/p/[0-9a-f-]+/$", page.url)
    page.keyboard.press("ArrowLeft")
    page.locator(".pswp__counter").filter(has_text="1 / 4").wait_for()

    # Swipe left on the image moves to the next photo (touch on phones, a drag on desktop).
    box = page.locator(".pswp__item[aria-hidden='false'], .pswp__container").first.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.8, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.2, y, steps=8)
    page.mouse.up()
    page.locator(".pswp__counter").filter(has_text="2 / 4").wait_for()

    # Zoom ("z", the zoom button on desktops, a pinch on phones) stops at the preview's own
    # pixels (≤ 1600 px long edge).
    page.keyboard.press("z")
    page.wait_for_timeout(600)
    zoomed = page.evaluate(
        """() => {
            const img = document.querySelector('.pswp__item[aria-hidden="false"] img.pswp__img');
            const r = img.getBoundingClientRect();
            return [r.width, r.height, img.naturalWidth];
        }"""
    )
    assert max(zoomed[:2]) <= 1600 + 1
    assert zoomed[2] <= 1600

    # The info panel shows what the camera recorded.
    page.locator(".pswp__button--info-button").click()
    page.locator(".pswp-info").get_by_text("Camera").wait_for()

    # Escape closes and the gallery address comes back.
    page.keyboard.press("Escape")
    lightbox.wait_for(state="detached")
    assert page.url.rstrip("/").endswith(str(gallery.public_id))

    # Each photo has its own page, reachable without JavaScript, with related photos.
    page.goto(url + tiles.nth(1).get_attribute("href"))
    page.get_by_role("heading", name="Photo info").wait_for()
    page.get_by_role("heading", name="Related photos").wait_for()
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_private_gallery_code_favourites_selection_locked_and_exported(
    proofsheet_server, server_media, page
):
    url = proofsheet_server.url
    gallery = make_gallery(
        title="Rivera wedding",
        visibility="private",
        selection_min=2,
        selection_max=3,
        selection_deadline=timezone.now() + timedelta(days=7),
    )
    code = access.gallery_rotate_access_code(gallery=gallery)
    gallery_url = f"{url}/g/{gallery.public_id}/"

    # The link alone shows nothing but the code form.
    page.goto(gallery_url)
    page.get_by_role("heading", name="Private gallery").wait_for()
    assert "Rivera wedding" not in page.content()
    page.get_by_label("Access code").fill("WRONG-CODE-HERE")
    page.get_by_role("button", name="Open gallery").click()
    page.get_by_role("alert").filter(has_text="not right").wait_for()
    page.get_by_label("Access code").fill(code.lower())  # typed in lower case on a phone
    page.get_by_role("button", name="Open gallery").click()
    page.get_by_role("heading", name="Rivera wedding").wait_for()

    # The first heart asks who is choosing, and is kept once they say.
    page.locator("button.favourite").first.click()
    page.get_by_label("Email").fill("maria@example.test")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Rivera wedding").wait_for()
    page.locator("button.favourite").first.and_(page.locator("[aria-pressed='true']")).wait_for()

    # One pick is below the photographer's minimum of two.
    page.get_by_role("link", name=re.compile("Favourites")).click()
    page.get_by_text("Pick at least 2 photos (1 so far).").wait_for()
    page.get_by_role("link", name=re.compile("Rivera wedding")).click()
    page.locator("button.favourite[aria-pressed='false']").first.click()
    page.wait_for_function(
        "() => document.querySelectorAll(\"button.favourite[aria-pressed='true']\").length === 2"
    )
    page.get_by_role("link", name=re.compile("Favourites")).click()
    page.get_by_label("A note for your photographer").fill("Can the second be black and white?")
    page.get_by_role("button", name=re.compile(r"Send 2 photos")).click()
    page.get_by_text("was sent to your photographer").wait_for()

    # Locked: a heart cannot change the sent list.
    selection = FavouriteList.objects.get(gallery=gallery)
    assert selection.submitted_at is not None
    page.goto(gallery_url)
    page.locator("button.favourite[aria-pressed='true']").first.click()
    page.get_by_text("ask them to reopen it").wait_for()
    assert selection.items.count() == 2

    # The photographer is told by email and sees the selection in the studio, and exports it.
    assert any(
        gallery.owner.email in mail.to and "New selection" in mail.subject
        for mail in OutboundEmail.objects.all()
    )
    studio = page.context.browser.new_context().new_page()
    studio.goto(f"{url}/accounts/login/")
    studio.get_by_label("Email").fill(gallery.owner.email)
    studio.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    studio.get_by_role("button", name="Sign In").click()
    studio.wait_for_url(f"{url}/studio/")
    studio.goto(f"{url}/studio/galleries/{gallery.public_id}/selections/")
    studio.get_by_text("maria@example.test").first.wait_for()
    names = sorted(selection.items.values_list("photo__original_name", flat=True))
    lightroom = studio.locator("textarea").first.input_value()
    assert sorted(part.strip() for part in lightroom.split(",")) == sorted(
        name.rsplit(".", 1)[0] for name in names
    )
    with studio.expect_download() as download:
        studio.get_by_role("link", name=re.compile("CSV")).first.click()
    csv_text = download.value.path().read_text(encoding="utf-8")
    assert all(name in csv_text for name in names)


def test_the_heart_that_asks_for_an_email_is_kept_once_it_is_given(
    proofsheet_server, server_media, page, chromium
):
    gallery = make_gallery(title="Garden party", visibility="public")
    gallery_url = f"{proofsheet_server.url}/g/{gallery.public_id}/"
    photos = client_selectors.photos_page(gallery).photos

    def answer(on, email: str, photo) -> None:
        """Give the email the heart asked for; back at the photo's tile, its heart pressed."""
        on.get_by_label("Email").fill(email)
        on.get_by_role("button", name="Continue").click()
        on.wait_for_url(f"{gallery_url}#photo-{photo.public_id}")
        on.get_by_text("Added to your favourites.").wait_for()
        heart = on.locator(f"#photo-{photo.public_id} button.favourite")
        assert heart.get_attribute("aria-pressed") == "true"
        saved = Favourite.objects.filter(favourite_list__visitor__email=email)
        assert list(saved.values_list("photo", flat=True)) == [photo.pk]

    # A tile's heart.
    page.goto(gallery_url)
    page.locator(f"#photo-{photos[2].public_id} button.favourite").click()
    answer(page, "ann@example.test", photos[2])

    # The lightbox's heart, for a new visitor.
    page.context.clear_cookies()
    page.goto(gallery_url)
    page.locator("a.tile-link").nth(1).click()
    page.locator(".pswp__counter").filter(has_text="2 / 4").wait_for()
    page.wait_for_timeout(600)  # past the opening animation
    page.locator(".pswp__button--favourite").click()
    answer(page, "bob@example.test", photos[1])

    # Without JavaScript, the heart's plain form.
    context = chromium.new_context(java_script_enabled=False)
    plain = context.new_page()
    plain.goto(gallery_url)
    plain.locator(f"#photo-{photos[3].public_id} button.favourite").click()
    answer(plain, "cleo@example.test", photos[3])
    context.close()


def test_the_qr_code_shows_on_its_page(proofsheet_server, server_media, page):
    gallery = make_gallery(title="Harbour at dawn", visibility="public")
    page.goto(f"{proofsheet_server.url}/g/{gallery.public_id}/")
    page.get_by_role("link", name="QR code").click()
    page.get_by_role("heading", name="Harbour at dawn").wait_for()

    qr = page.locator("img.qr")
    page.wait_for_function("() => document.querySelector('img.qr').complete")
    assert qr.evaluate("(img) => img.naturalWidth") > 0  # an undrawable SVG has none
    # Drawn over the whole box: every quarter of it has dark modules (and light ones).
    shot = pyvips.Image.new_from_buffer(qr.screenshot(), "").colourspace("b-w")
    half_w, half_h = shot.width // 2, shot.height // 2
    for left, top in [(0, 0), (half_w, 0), (0, half_h), (half_w, half_h)]:
        quarter = shot.crop(left, top, half_w, half_h)
        assert quarter.min() < 64 and quarter.max() > 192


CONTRAST_JS = """() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || c[3] === 1) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const selectors = ["h1", ".gallery-meta", ".lead", ".gallery-tools .button",
                     ".layout-switch a", ".layout-switch a[aria-current]", ".site-footer p",
                     ".brand", ".nav-links a"];
  return selectors.flatMap((s) => [...document.querySelectorAll(s)].slice(0, 2).map((el) => {
    const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(background(el))];
    return [s, (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
  }));
}"""


def test_keyboard_only_and_without_javascript(proofsheet_server, server_media, chromium):
    url = proofsheet_server.url
    gallery = make_gallery(title="Quiet forest", visibility="public")
    gallery_url = f"{url}/g/{gallery.public_id}/"

    # Keyboard: Tab reaches the first photo, Enter opens the lightbox, Escape closes it and
    # focus goes back to the photo.
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(gallery_url)
    first = page.locator("a.tile-link").first
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.classList.contains('tile-link')"):
            break
    assert page.evaluate("() => document.activeElement.classList.contains('tile-link')")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    page.keyboard.press("Enter")
    page.locator(".pswp__counter").filter(has_text="1 / 4").wait_for()
    page.wait_for_timeout(600)  # past the opening animation
    page.keyboard.press("Escape")
    page.locator(".pswp").wait_for(state="detached")
    assert page.evaluate("() => document.activeElement.classList.contains('tile-link')")

    # Text passes WCAG AA contrast (4.5:1) against what is behind it.
    ratios = page.evaluate(CONTRAST_JS)
    assert ratios and all(ratio >= 4.5 for _, ratio in ratios), ratios
    context.close()

    # Without JavaScript the gallery still shows its photos and each photo page navigates.
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(gallery_url)
    page.get_by_role("heading", name="Quiet forest").wait_for()
    assert page.locator("img.tile-image").count() == 4
    first = page.locator("a.tile-link").first
    first.click()
    page.get_by_role("heading", name="Photo info").wait_for()
    page.get_by_role("link", name="Next →").click()
    page.get_by_role("heading", name="Photo info").wait_for()
    assert page.get_by_role("link", name="← Previous").count() == 1
    context.close()


def clone_photos(gallery: Gallery, count: int) -> None:
    """Make `count` more ready photos that share the first one's renditions (a big gallery
    without processing hundreds of files)."""
    from proofsheet.galleries.models import Photo

    first = gallery.photos.first()
    Photo.objects.bulk_create(
        Photo(
            gallery=gallery,
            owner=gallery.owner,
            original_key=f"{first.original_key}-{n}",
            original_name=f"clone-{n:03d}.jpg",
            sha256=f"{n:064d}",
            size=first.size,
            format=first.format,
            status=PhotoStatus.READY,
            width=first.width,
            height=first.height,
            placeholder=first.placeholder,
            renditions=first.renditions,
            rendition_version=first.rendition_version,
            position=100 + n,
        )
        for n in range(count)
    )


def test_scrolling_loads_the_next_photos_and_the_slideshow_plays(
    proofsheet_server, server_media, page
):
    gallery = make_gallery(title="Big day", visibility="public")
    clone_photos(gallery, 40)  # 44 photos: two pages
    page.goto(f"{proofsheet_server.url}/g/{gallery.public_id}/")
    tiles = page.locator("a.tile-link")
    assert tiles.count() == 24
    for _ in range(10):
        page.mouse.wheel(0, 4000)
        page.wait_for_timeout(300)
        if tiles.count() == 44:
            break
    assert tiles.count() == 44
    ids = [tiles.nth(i).get_attribute("data-photo-id") for i in range(44)]
    assert len(set(ids)) == 44  # every photo once

    # The slideshow moves on by itself and stops on pause.
    page.evaluate("() => window.scrollTo(0, 0)")
    page.get_by_role("button", name="▶ Slideshow").click()
    counter = page.locator(".pswp__counter")
    counter.filter(has_text="1 / 44").wait_for()
    counter.filter(has_text="2 / 44").wait_for(timeout=8_000)
    page.locator(".pswp__button--slideshow").click()  # pause
    shown = counter.inner_text()
    page.wait_for_timeout(5_000)
    assert counter.inner_text() == shown


def test_the_lightbox_goes_past_the_first_page_to_the_last_photo(
    proofsheet_server, server_media, page
):
    gallery = make_gallery(title="Long lens", visibility="public", photo_order=PhotoOrder.CUSTOM)
    clone_photos(gallery, 24)  # 28 photos: the first page's 24 and four more
    # Photo 25 is a real photo of its own (every clone shows the first photo's image).
    real = list(gallery.photos.filter(original_name__in=[n.split("/")[-1] for n in FILES]))
    real.sort(key=lambda p: FILES.index(next(n for n in FILES if n.endswith(p.original_name))))
    Photo.objects.filter(pk=real[0].pk).update(position=0)
    for n, photo in enumerate(real[1:]):
        Photo.objects.filter(pk=photo.pk).update(position=1000 + n)
    Photo.objects.filter(gallery=gallery, original_name="clone-023.jpg").update(position=2000)
    order = client_selectors.photos_page(gallery, size=28).photos
    assert order[24].pk == real[1].pk and len(order) == 28
    twenty_fifth = order[24]

    page.goto(f"{proofsheet_server.url}/g/{gallery.public_id}/")
    tiles = page.locator("a.tile-link")
    assert tiles.count() == 24
    tiles.first.click()
    counter = page.locator(".pswp__counter")
    counter.filter(has_text="1 / 28").wait_for()
    page.wait_for_timeout(600)  # PhotoSwipe ignores moves during its opening animation
    for n in range(2, 26):
        page.keyboard.press("ArrowRight")
        counter.filter(has_text=f"{n} / 28").wait_for()

    # Photo 25 is shown: its own image (a Nikon D70's, not the clones' Canon), its address.
    shown = page.locator(".pswp__item[aria-hidden='false'] img.pswp__img")
    tile = page.locator(f"#photo-{twenty_fifth.public_id} a.tile-link")
    page.wait_for_function(
        """(src) => {
            const img = document.querySelector('.pswp__item[aria-hidden="false"] img.pswp__img');
            return img && img.src === src && img.complete && img.naturalWidth > 0;
        }""",
        arg=tile.evaluate("(a) => new URL(a.dataset.pswpSrc, location.href).href"),
    )
    assert shown.evaluate("(img) => img.naturalWidth") == twenty_fifth.renditions["preview"]["w"]
    assert page.url.endswith(f"/p/{twenty_fifth.public_id}/")

    # On to the last photo, then Next goes round to the first.
    for n in range(26, 29):
        page.keyboard.press("ArrowRight")
        counter.filter(has_text=f"{n} / 28").wait_for()
    page.keyboard.press("ArrowRight")
    counter.filter(has_text="1 / 28").wait_for()

    # The grid behind holds the same 28 photos, in the gallery's order, each once.
    page.keyboard.press("Escape")
    page.locator(".pswp").wait_for(state="detached")
    ids = [tiles.nth(i).get_attribute("data-photo-id") for i in range(tiles.count())]
    assert ids == [str(photo.public_id) for photo in order]

    # Fresh from the first page, Previous on the first photo goes round to the last one: it
    # shows "Loading…" until its page arrives, then the photo and its address.
    page.goto(f"{proofsheet_server.url}/g/{gallery.public_id}/")
    tiles.first.click()
    counter.filter(has_text="1 / 28").wait_for()
    page.wait_for_timeout(600)
    page.keyboard.press("ArrowLeft")
    counter.filter(has_text="28 / 28").wait_for()
    page.wait_for_url(re.compile(rf"/p/{order[27].public_id}/$"))
    page.wait_for_function(
        """() => {
            const img = document.querySelector('.pswp__item[aria-hidden="false"] img.pswp__img');
            return img && img.complete && img.naturalWidth > 0;
        }"""
    )
    assert tiles.count() == 28
