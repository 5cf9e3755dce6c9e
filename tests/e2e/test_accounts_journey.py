"""A visitor signs up, verifies the email that the worker delivers over SMTP, and logs in and out,
on the real `proofsheet serve` in headless Chromium, as a phone and as a desktop."""

import re

import pytest

from proofsheet.accounts.models import Role, User
from tests.support import get_json, mail_text

PASSWORD = "lighthouse-meadow-copper-58"


@pytest.fixture
def server_env(smtp_server):
    # Real Argon2 here, and mail through the worker to a real SMTP server.
    return {"EMAIL_URL": smtp_server.url, "PROOFSHEET_FAST_HASHER": "0"}


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.browser
@pytest.mark.server
def test_sign_up_verify_log_in_and_out(proofsheet_server, smtp_server, page, tmp_path):
    url = proofsheet_server.url
    assert get_json(f"{url}/healthz") == (200, {"status": "ok"})
    assert get_json(f"{url}/readyz")[0] == 200

    page.goto(url)
    assert no_sideways_scroll(page)
    # Keyboard only: tab to "Sign up" and press Enter.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Sign up":
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/accounts/signup/")

    page.get_by_label("I'm a photographer").check()
    page.get_by_label("Email").fill("Ada@Example.test")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.screenshot(path=tmp_path / "signup.png", full_page=True)
    assert no_sideways_scroll(page)
    page.get_by_label("Password (again)").press("Enter")
    page.wait_for_url("**/accounts/confirm-email/")
    assert "Verify" in page.content()

    message = smtp_server.wait_for(1)[0]
    assert message["To"] == "ada@example.test"
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail_text(message)).group(0)
    assert link.startswith(url)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(url + "/studio/")  # photographers land in their studio
    assert "No galleries yet" in page.content()

    page.goto(f"{url}/account/")
    assert page.get_by_test_id("role").inner_text() == "Photographer"
    user = User.objects.get(email="ada@example.test")
    assert user.role == Role.PHOTOGRAPHER
    assert user.password.startswith("argon2$argon2id$")

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(url + "/")
    assert "Create an account" in page.content()

    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Email").fill("ada@example.test")
    page.get_by_label(re.compile(r"^Password:?$")).fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(url + "/studio/")
    assert page.get_by_role("link", name="Studio").is_visible()
