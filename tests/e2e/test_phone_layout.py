"""Every page fits a phone at 320 and 390 px: no sideways scrolling, no cut-off columns, no
amount broken across lines.

The tour of tour.py (the pages a visitor, a client and a photographer reach) is walked in one
browser context per width; the client and the photographer log in once, their cookies reused.
"""

from __future__ import annotations

import pytest

from tests.e2e import tour

pytestmark = [pytest.mark.browser, pytest.mark.server]

WIDTHS = [320, 390]
# Three ways a page fails a phone, each naming the element at fault:
# - the page is wider than the window (named: the widest element reaching past it; among equals
#   the innermost, the culprit rather than its wrappers). A phone widens its window to a page
#   that overflows (it zooms out, window.innerWidth grows with it), so the window is also
#   measured as the viewport's client width;
# - a box that scrolls or clips sideways hides part of its content (a table's last columns);
# - an amount ("12.50 EUR") is broken across lines.
MEASURE = r"""() => {
  const window_width = Math.min(window.innerWidth, document.documentElement.clientWidth);
  const page_width = document.documentElement.scrollWidth;
  const name = (el) => {
    let text = el.tagName.toLowerCase();
    if (el.id) text += "#" + el.id;
    for (const c of el.classList) text += "." + c;
    return text;
  };
  const path = (el) => {
    const names = [];
    for (let at = el; at && at !== document.body && names.length < 4; at = at.parentElement) {
      names.unshift(name(at));
    }
    return names.join(" > ");
  };
  const problems = [];
  const all = [...document.body.querySelectorAll("*")];
  if (page_width > window_width) {
    let widest = null;
    let widestWidth = 0;
    for (const el of all) {
      const box = el.getBoundingClientRect();
      if (box.right <= window_width + 0.5 || box.width === 0) continue;
      if (box.width >= widestWidth) {  // later in document order = deeper among equals
        widest = el;
        widestWidth = box.width;
      }
    }
    const culprit = widest ? `${path(widest)} (${Math.round(widestWidth)} px)` : "none found";
    problems.push(`${page_width} px wide in a ${window_width} px window; widest: ${culprit}`);
  }
  for (const el of all) {
    const style = getComputedStyle(el);
    if (!["auto", "scroll", "hidden", "clip"].includes(style.overflowX)) continue;
    // Text fields scroll their own text; ellipses and visually hidden labels cut on purpose.
    if (["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName) || el.closest(".pswp")) continue;
    if (style.textOverflow === "ellipsis" || style.clip !== "auto" || el.clientWidth <= 1) continue;
    if (el.scrollWidth > el.clientWidth + 1 && el.getClientRects().length) {
      problems.push(
        `${path(el)} hides ${el.scrollWidth - el.clientWidth} px of its ${el.scrollWidth} px ` +
        "content sideways"
      );
    }
  }
  const amount = /[-\u2212]?\d[\d,]*(?:\.\d+)?\s[A-Z]{3}\b/g;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.data.matchAll(amount)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      if (tops.size > 1) {
        problems.push(`"${match[0]}" is broken across lines in ${path(node.parentElement)}`);
      }
    }
  }
  return problems;
}"""


class PhoneLayout:
    """Measures the page it is given and keeps what does not fit the phone."""

    def __init__(self):
        self.failures: list[str] = []
        self.pages = 0

    def check(self, page, where: str, **_) -> None:
        page.wait_for_load_state("load")
        self.pages += 1
        self.failures += [f"{where}: {problem}" for problem in page.evaluate(MEASURE)]


def test_every_page_fits_a_phone_screen(proofsheet_server, server_media, chromium):
    url = proofsheet_server.url
    shop = tour.open_shop()
    layout = PhoneLayout()
    phones = {
        f"{width} px": {
            "viewport": {"width": width, "height": 740},
            "device_scale_factor": 2,
            "is_mobile": True,
            "has_touch": True,
        }
        for width in WIDTHS
    }
    tour.walk(chromium, url, shop, phones, layout.check)
    assert layout.pages >= 2 * 50, layout.pages
    assert not layout.failures, "pages that do not fit a phone:\n" + "\n".join(layout.failures)
