"""/api/v1/docs in Chromium: Swagger UI shows every operation, from assets we serve ourselves."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytestmark = [pytest.mark.browser, pytest.mark.server]


def test_the_api_docs_show_the_operations_without_a_cdn(proofsheet_server, chromium):
    url = proofsheet_server.url
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    elsewhere: list[str] = []

    def only_our_server(route):
        # No network here, nor for many self-hosters: a CDN script would leave a blank page.
        if urlsplit(route.request.url).netloc != urlsplit(url).netloc:
            elsewhere.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    context.route("**/*", only_our_server)
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(url + "/api/v1/docs")
        error_box = page.locator(".swagger-ui .errors-wrapper")
        # Swagger UI shows either the operations or its error box (or nothing, without its JS).
        try:
            page.locator(".swagger-ui .opblock").or_(error_box).first.wait_for()
        except PlaywrightTimeout:
            pytest.fail(f"Swagger UI did not start; loaded from elsewhere: {elsewhere}; {errors}")
        error_text = error_box.inner_text() if error_box.count() else ""
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        title = " ".join(page.locator(".swagger-ui .info .title").all_inner_texts())
    finally:
        context.close()

    assert not error_text, f"Swagger UI shows an error: {error_text}"
    assert "Proofsheet API" in title
    assert "/api/v1/me" in paths
    assert len(paths) >= 60, paths
    assert not elsewhere, f"the docs page loads from elsewhere: {elsewhere}"
    assert not errors, errors
