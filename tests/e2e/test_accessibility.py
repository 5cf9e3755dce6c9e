"""axe-core checks the pages in headless Chromium, as a phone and as a desktop.

Each page of the tour (tour.py: what a visitor, a client and a photographer reach) is scanned
against WCAG 2.0/2.1 A and AA; a violation of impact "serious" or "critical" fails the test.
axe-core is the npm devDependency, read from node_modules (run `npm ci`); it is injected into the
page, never copied into the repository.
"""

from __future__ import annotations

import functools

import pytest

from tests.e2e import tour
from tests.support import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.server]

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING = {"serious", "critical"}
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


def test_the_pages_have_no_serious_accessibility_violations(
    proofsheet_server, server_media, chromium
):
    assert AXE.is_file(), f"{AXE} is missing: run npm ci"
    url = proofsheet_server.url
    shop = tour.open_shop()
    axe = Axe()
    tour.walk(chromium, url, shop, VIEWPORTS, axe.check)
    assert axe.pages >= 2 * 50, axe.pages
    assert not axe.failures, "serious or critical axe violations:\n" + "\n".join(axe.failures)
