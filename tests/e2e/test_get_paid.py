"""Marketplace mode in Chromium (phone and desktop): a photographer connects a Stripe account
from the studio's "Get paid" page with the keyboard, completes the stand-in's onboarding, and
comes back to see it enabled. The server runs with Stripe pointed at the stand-in."""

import re

import pytest

from proofsheet.accounts.services import user_create
from proofsheet.payments.models import AccountStatus, ConnectedAccount
from tests.e2e.test_phone_layout import MEASURE
from tests.e2e.test_studio_upload import PASSWORD, log_in

pytestmark = [pytest.mark.browser, pytest.mark.server]

CONNECT_SECRET = "whsec_connect_e2e"


@pytest.fixture
def server_env(standin):
    return {
        "STRIPE_SECRET_KEY": "sk_test_e2e",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_e2e",
        "STRIPE_WEBHOOK_SECRET": "whsec_e2e",
        "STRIPE_CONNECT_WEBHOOK_SECRET": CONNECT_SECRET,
        "STRIPE_API_BASE": standin.base_url,
        "STRIPE_MAX_RETRIES": "0",
        "MARKETPLACE": "true",
        "PLATFORM_COMMISSION_PERCENT": "12.5",
    }


def _tab_to(page, name: str, limit: int = 40) -> None:
    """Press Tab until the control called `name` has the focus (as a keyboard user would)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.innerText") == (
            name
        ):
            return
    raise AssertionError(f"{name!r} cannot be reached with Tab")


def test_a_photographer_connects_stripe_with_the_keyboard(proofsheet_server, standin, page):
    url = proofsheet_server.url
    standin.register_webhook(f"{url}/payments/webhook/stripe/", CONNECT_SECRET, connect=True)
    user_create(email="ph@example.test", role="photographer", password=PASSWORD)
    log_in(page, url, "ph@example.test")
    warning = page.get_by_test_id("cards-off")
    assert "connect a Stripe account" in warning.inner_text()

    _tab_to(page, "Get paid")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{url}/studio/get-paid/")
    assert "12.5\xa0%" in page.locator(".lead").inner_text()
    assert page.evaluate(MEASURE) == []  # fits a 390 px phone, nothing cut sideways

    _tab_to(page, "Connect with Stripe")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(standin.base_url) + r"/_standin/onboard/acct_"))
    page.get_by_role("link", name="Complete onboarding").click()
    page.wait_for_url(f"{url}/studio/get-paid/")  # back, after the server asked Stripe

    status = page.get_by_test_id("payout-status")
    assert status.get_attribute("data-status") == "enabled"
    assert "Clients can pay you by card" in status.inner_text()
    assert page.get_by_test_id("cards-off").count() == 0
    assert page.evaluate(MEASURE) == []
    account = ConnectedAccount.objects.get(seller__email="ph@example.test")
    assert account.status == AccountStatus.ENABLED and account.reference.startswith("acct_")
