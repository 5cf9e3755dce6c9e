"""Marketplace mode (Stripe Connect) against the stand-in Stripe server (tests/stripe_standin):
real HTTP through stripe-python, events signed with the real scheme and delivered to our real
webhook endpoint, nothing of ours mocked.

Onboarding from the studio's "Get paid" page, the account's status from `account.updated` events
(duplicated, out of order) and from the photographer's return; card charges that carry the
platform's commission as an application fee and go to the photographer's account; refunds that
take back the transfer and the fee in proportion; sellers who cannot take cards selling offline.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from proofsheet.accounts.tests.factories import UserFactory
from proofsheet.orders.models import OrderStatus
from proofsheet.orders.services import Totals, order_access_url, order_create
from proofsheet.orders.tests.support import digital, place
from proofsheet.payments import cards
from proofsheet.payments.models import (
    AccountStatus,
    ConnectedAccount,
    LedgerEntry,
    LedgerKind,
    PaymentStatus,
    Refund,
)
from proofsheet.payments.providers import PaymentUnsupported, get_provider
from proofsheet.payments.selectors import card_sales_allowed, payout_status, provider_for
from proofsheet.payments.services import payment_start
from proofsheet.payments.tests.stripe_support import WEBHOOK_SECRET, use_stripe

CONNECT_SECRET = "whsec_connect_proofsheet"
PAGE = "/studio/get-paid/"


@pytest.fixture
def market(shop, settings, standin):
    """A marketplace site whose card provider is Stripe (the stand-in); 10 % commission."""
    use_stripe(settings, standin.base_url, connect_webhook_secret=CONNECT_SECRET)
    settings.MARKETPLACE = True
    settings.PLATFORM_COMMISSION_PERCENT = Decimal("10")
    return shop


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _connect(client, seller) -> str:
    """The photographer presses "Connect with Stripe": the answer sends them to Stripe."""
    client.force_login(seller)
    answer = client.post(reverse("studio:payouts_connect"))
    assert answer.status_code == 302, answer.content
    return answer["Location"]


def _onboard(standin, link: str, *, complete: bool = True) -> str:
    """What the photographer does on Stripe's pages (followed with urllib); returns where
    Stripe sends their browser back to."""
    page = urllib.request.urlopen(link, timeout=10).read().decode()
    button = "complete" if complete else "incomplete"
    href = page.split(f'id="{button}" href="')[1].split('"')[0].replace("&amp;", "&")
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.build_opener(NoRedirect).open(standin.base_url + href, timeout=10)
    assert answer.value.code == 302
    return answer.value.headers["Location"]


def _wait_for(check, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


def _status(seller) -> str:
    account = ConnectedAccount.objects.filter(seller=seller).first()
    return account.status if account else "none"


def _enabled_seller(client, standin, seller) -> ConnectedAccount:
    link = _connect(client, seller)
    back = _onboard(standin, link)
    client.get(back)  # the return: a server-side retrieve
    account = ConnectedAccount.objects.get(seller=seller)
    assert account.status == AccountStatus.ENABLED
    return account


# --- onboarding -----------------------------------------------------------------------------


def test_onboarding_connects_once_and_the_connect_event_enables_the_account(
    market, standin, client, live_server
):
    gallery, _photos = market
    seller = gallery.owner
    standin.register_webhook(
        f"{live_server.url}/payments/webhook/stripe/", CONNECT_SECRET, connect=True
    )
    client.force_login(seller)
    page = client.get(PAGE)
    assert b"Connect with Stripe" in page.content
    assert b"Card payments are off until you connect a Stripe account" in page.content
    assert not card_sales_allowed(seller)

    link = _connect(client, seller)
    account = ConnectedAccount.objects.get(seller=seller)
    assert account.reference.startswith("acct_") and account.status == AccountStatus.PENDING
    assert link.startswith(standin.base_url + f"/_standin/onboard/{account.reference}")
    # Pressing again (another tab, a double click) keeps the one account, with a fresh link.
    assert _connect(client, seller).startswith(standin.base_url)
    assert ConnectedAccount.objects.filter(seller=seller).count() == 1
    stripe_side = standin.client().v1.accounts.retrieve(account.reference)
    assert stripe_side.type == "express"

    back = _onboard(standin, link)
    assert back == f"http://testserver{PAGE}?return=1"
    # Stripe's account.updated reaches our endpoint, signed with the Connect endpoint's secret.
    _wait_for(lambda: _status(seller) == AccountStatus.ENABLED)
    account.refresh_from_db()
    assert account.charges_enabled and account.payouts_enabled and account.requirements == []
    assert card_sales_allowed(seller) and provider_for(seller) == "stripe"
    deliveries = standin.wait_for_deliveries()
    assert [d["ok"] for d in deliveries if d["type"] == "account.updated"] == [True]

    page = client.get(client.get(back).url)  # the return, then the page
    assert b"Enabled" in page.content and b"Clients can pay you by card" in page.content
    assert b"cards-off" not in page.content and b"Connect with Stripe" not in page.content


def test_the_return_from_onboarding_asks_stripe_and_shows_what_it_still_needs(
    market, standin, client
):
    gallery, _photos = market
    seller = gallery.owner
    back = _onboard(standin, _connect(client, seller), complete=False)
    answer = client.get(back)  # no webhook registered: only our own retrieve can know
    assert answer.status_code == 302 and answer.url == PAGE
    account = ConnectedAccount.objects.get(seller=seller)
    assert account.status == AccountStatus.RESTRICTED and not account.charges_enabled
    assert account.requirements == ["external_account", "individual.verification.document"]

    answer = client.get(PAGE)
    # "Connect with Stripe" posts, then is redirected to Stripe's onboarding: allowed there only.
    policy = answer["Content-Security-Policy"]
    assert f"form-action 'self' https://connect.stripe.com {standin.base_url}" in policy
    page = answer.content.decode()
    assert "Restricted" in page
    assert "A bank account for payouts" in page and "An identity document" in page
    assert "Card payments are off: Stripe needs more information" in page
    assert "Continue with Stripe" in page
    dashboard = client.get("/studio/").content.decode()
    assert 'data-testid="cards-off"' in dashboard and "See what Stripe needs" in dashboard
    assert provider_for(seller) == "offline"

    api = client.get("/api/v1/payouts/account").json()
    assert api["status"] == "restricted" and api["cards"] is False
    assert api["requirements"] == ["external_account", "individual.verification.document"]
    assert api["reason"].startswith("Card payments are off")
    assert api["commission_percent"] == "10" and api["account"] == account.reference

    # Stripe's refresh_url (the link expired): a new link to the same account.
    refresh = client.get(reverse("studio:payouts_refresh"))
    assert refresh.status_code == 302
    assert refresh["Location"].startswith(f"{standin.base_url}/_standin/onboard/acct_")


def test_duplicated_and_out_of_order_account_events_end_in_stripes_state(
    market, standin, client, live_server
):
    gallery, _photos = market
    seller = gallery.owner
    standin.register_webhook(
        f"{live_server.url}/payments/webhook/stripe/", CONNECT_SECRET, connect=True
    )
    standin.pause_webhooks()
    link = _connect(client, seller)
    reference = ConnectedAccount.objects.get(seller=seller).reference
    _onboard(standin, link, complete=False)  # 1: restricted
    _onboard(standin, link, complete=True)  # 2: enabled
    standin.deliver(order="reverse")  # enabled arrives first, restricted last
    standin.wait_for_deliveries()
    _wait_for(lambda: _status(seller) == AccountStatus.ENABLED)
    time.sleep(0.3)
    assert _status(seller) == AccountStatus.ENABLED  # the stale event did not undo it

    # Stripe then restricts it; a late duplicate of the old "enabled" changes nothing.
    standin.set_account(
        reference, charges_enabled=False, requirements_currently_due=["external_account"]
    )
    newest = standin.events("account.updated")
    standin.deliver()
    standin.wait_for_deliveries()
    _wait_for(lambda: _status(seller) == AccountStatus.RESTRICTED)
    standin.resend(newest[-1]["id"])  # the first event again (oldest is last)
    standin.resend(newest[0]["id"])  # and the newest again
    standin.deliver(order="reverse")
    standin.wait_for_deliveries()
    time.sleep(0.3)
    account = ConnectedAccount.objects.get(seller=seller)
    assert account.status == AccountStatus.RESTRICTED and account.requirements == [
        "external_account"
    ]
    assert not card_sales_allowed(seller)
    assert all(d["ok"] for d in standin.deliveries() if d["type"] == "account.updated")


def test_stripe_failing_while_connecting_says_so_and_creates_nothing_twice(market, standin, client):
    gallery, _photos = market
    seller = gallery.owner
    client.force_login(seller)
    standin.fail_next(path="/v1/accounts", status=500)
    answer = client.post(reverse("studio:payouts_connect"), follow=True)
    assert answer.redirect_chain[-1][0] == PAGE
    text = answer.content.decode()
    assert "Stripe cannot be reached just now" in text and "nothing was created" in text
    assert not ConnectedAccount.objects.exists()

    api = client.post("/api/v1/payouts/account/link")  # the API the same way, then a retry
    assert api.status_code == 200, api.content
    assert api.json()["url"].startswith(f"{standin.base_url}/_standin/onboard/acct_")
    account = ConnectedAccount.objects.get(seller=seller)
    # Stripe's side: the idempotency key is the photographer's, so asking again (as a retry
    # after a lost answer would) gets the same account, never a second one.
    again = get_provider("stripe").account_create(
        user_public_id=str(seller.public_id), email=seller.email
    )
    assert again.reference == account.reference

    standin.fail_next(path="/v1/account_links", status=503)
    answer = client.post(reverse("studio:payouts_connect"), follow=True)
    assert "its onboarding cannot open" in answer.content.decode()
    assert ConnectedAccount.objects.filter(seller=seller).count() == 1


def test_studio_mode_has_no_get_paid_page_and_the_api_says_why(shop, settings, standin, client):
    use_stripe(settings, standin.base_url)
    settings.MARKETPLACE = False
    gallery, _photos = shop
    client.force_login(gallery.owner)
    assert client.get(PAGE).status_code == 404
    assert card_sales_allowed(gallery.owner)  # the operator's account takes every payment
    answer = client.post("/api/v1/payouts/account/link")
    assert answer.status_code == 409 and answer.json()["code"] == "payment_unsupported"
    assert client.get("/api/v1/payouts/account").json()["marketplace"] is False


# --- charges, fees, transfers, refunds -------------------------------------------------------


def _jpy_order(seller, photo, price: str):
    return order_create(
        seller=seller,
        email="buyer@example.test",
        currency="JPY",
        lines=[digital(photo, price=price)],
        totals=Totals(
            subtotal=Decimal(price),
            discount_total=Decimal(0),
            shipping_total=Decimal(0),
            tax_total=Decimal(0),
            total=Decimal(price),
        ),
        payment_provider="stripe",
    )


def _pay(order):
    payment_start(order)
    cards.card_payment_confirm(order, payment_method="pm_card_visa")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return order.payments.get(status=PaymentStatus.SUCCEEDED)


def _ledger(order) -> dict:
    return {entry.kind: entry.amount for entry in LedgerEntry.objects.filter(order=order)}


@pytest.mark.parametrize(
    ("currency", "price", "fee", "fee_minor", "transfer_minor"),
    [
        ("EUR", "12.35", Decimal("1.24"), 124, 1111),  # 1.235 rounds half up
        ("JPY", "1255", Decimal("126"), 126, 1129),  # no minor unit: 125.5 → 126
    ],
)
def test_a_marketplace_card_payment_takes_the_fee_and_pays_the_photographer(
    market, standin, client, currency, price, fee, fee_minor, transfer_minor
):
    gallery, photos = market
    seller = gallery.owner
    account = _enabled_seller(client, standin, seller)
    if currency == "EUR":
        order = place(seller, [digital(photos[0], price=price)], provider="stripe")
    else:
        order = _jpy_order(seller, photos[0], price)
    payment = _pay(order)
    assert payment.application_fee == fee and payment.destination == account.reference

    stripe = standin.client()
    intent = stripe.v1.payment_intents.retrieve(
        payment.reference, params={"expand": ["latest_charge"]}
    )
    assert intent.application_fee_amount == fee_minor
    assert intent.transfer_data.destination == account.reference
    charge = intent.latest_charge
    transfer = stripe.v1.transfers.retrieve(charge.transfer)
    assert transfer.amount == transfer_minor and transfer.destination == account.reference
    assert stripe.v1.application_fees.retrieve(charge.application_fee).amount == fee_minor

    assert _ledger(order) == {
        LedgerKind.FEE: -fee,
        LedgerKind.SALE: Decimal(price),
    }
    # The same success read again (webhook after the return) writes nothing twice.
    cards.card_payment_sync(order)
    assert LedgerEntry.objects.filter(order=order).count() == 2


def test_a_photographers_own_commission_overrides_the_platform_default(market, standin, client):
    admin_user = UserFactory(role="admin", is_staff=True)
    gallery, photos = market
    seller = gallery.owner
    _enabled_seller(client, standin, seller)
    client.force_login(seller)
    refused = client.patch(
        f"/api/v1/payouts/accounts/{seller.public_id}",
        data={"commission_percent": "0"},
        content_type="application/json",
    )
    assert refused.status_code == 403  # photographers do not set their own rate
    client.force_login(admin_user)
    answer = client.patch(
        f"/api/v1/payouts/accounts/{seller.public_id}",
        data={"commission_percent": "12.5"},
        content_type="application/json",
    )
    assert answer.status_code == 200 and answer.json()["commission_percent"] == "12.5"
    payment = _pay(place(seller, [digital(photos[0], price="20.00")], provider="stripe"))
    assert payment.application_fee == Decimal("2.50")
    bad = client.patch(
        f"/api/v1/payouts/accounts/{seller.public_id}",
        data={"commission_percent": "150"},
        content_type="application/json",
    )
    assert bad.status_code == 422


def test_a_partial_refund_takes_back_the_transfer_and_the_fee_in_proportion(
    market, standin, client
):
    gallery, photos = market
    seller = gallery.owner
    _enabled_seller(client, standin, seller)
    order = place(seller, [digital(photos[0], price="12.35")], provider="stripe")
    payment = _pay(order)  # fee 1.24, transfer 11.11

    refund = cards.refund_create(order=order, actor=seller, amount="3.33")
    stripe = standin.client()
    charge = stripe.v1.payment_intents.retrieve(
        payment.reference, params={"expand": ["latest_charge"]}
    ).latest_charge
    transfer = stripe.v1.transfers.retrieve(charge.transfer)
    fee = stripe.v1.application_fees.retrieve(charge.application_fee)
    # 333 × 1111 / 1235 = 299.6 and 333 × 124 / 1235 = 33.4, rounded down as Stripe does.
    assert (transfer.amount_reversed, fee.amount_refunded) == (299, 33)
    entries = _ledger(order)
    # The seller's side: the refund less the platform's share of the fee it gives back (Stripe
    # takes back 2.99 from their account: the two roundings may differ by a minor unit).
    assert entries[LedgerKind.REFUND] == Decimal("-3.33")
    assert entries[LedgerKind.FEE_REFUND] == Decimal("0.33")
    assert LedgerEntry.objects.get(kind=LedgerKind.FEE_REFUND).reference == refund.reference

    cards.refund_create(order=order, actor=seller)  # the rest
    transfer = stripe.v1.transfers.retrieve(charge.transfer)
    fee = stripe.v1.application_fees.retrieve(charge.application_fee)
    refunded = sum(e.amount for e in LedgerEntry.objects.filter(kind=LedgerKind.REFUND))
    fee_back = sum(e.amount for e in LedgerEntry.objects.filter(kind=LedgerKind.FEE_REFUND))
    assert -refunded == Decimal("12.35")
    assert fee_back * 100 == fee.amount_refunded
    assert abs((refunded + fee_back) * 100 + transfer.amount_reversed) <= 2
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED


# --- sellers who cannot take cards ----------------------------------------------------------


def test_a_seller_whose_account_cannot_take_charges_sells_offline_only(market, standin, client):
    gallery, photos = market
    seller = gallery.owner
    assert provider_for(seller) == "offline" and payout_status(seller).status == "none"
    _connect(client, seller)  # pending: onboarding not finished
    assert provider_for(seller) == "offline"
    assert "finish Stripe's onboarding" in payout_status(seller).reason

    # An order placed for cards (before the account was restricted) is refused clearly,
    # and Stripe is asked nothing.
    order = place(seller, [digital(photos[0], price="12.00")], provider="stripe")
    payment_start(order)
    with pytest.raises(PaymentUnsupported) as refused:
        cards.card_payment_confirm(order, payment_method="pm_card_visa")
    assert "cannot take card payments yet" in refused.value.message
    assert refused.value.code == "payment_unsupported"
    assert not standin.events("payment_intent.*")
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING
    # The buyer's payment page sends them back to the order, saying why.
    page = client.get(urlsplit(order_access_url(order)).path + "pay/", follow=True)
    assert page.status_code == 200 and len(page.redirect_chain) == 1
    assert "cannot take card payments yet" in page.content.decode()


def test_another_photographer_cannot_see_or_use_an_account(market, standin, client):
    gallery, _photos = market
    _enabled_seller(client, standin, gallery.owner)
    other = UserFactory(role="photographer")
    client.force_login(other)
    assert client.get("/api/v1/payouts/account").json()["status"] == "none"
    assert not card_sales_allowed(other)
    assert json.loads(client.get("/api/v1/payouts/account").content)["account"] is None


def test_the_system_check_refuses_a_marketplace_without_stripe(settings, standin):
    from proofsheet.payments.checks import check_payment_providers

    settings.MARKETPLACE = True
    settings.PAYMENT_PROVIDER = "offline"
    assert [e.id for e in check_payment_providers(None)] == ["payments.E006"]
    use_stripe(settings, standin.base_url)
    assert [e.id for e in check_payment_providers(None)] == ["payments.W007"]
    use_stripe(settings, standin.base_url, connect_webhook_secret=CONNECT_SECRET)
    assert check_payment_providers(None) == []


def test_a_refund_made_in_stripes_dashboard_is_picked_up_with_its_reversals(
    market, standin, client, live_server
):
    gallery, photos = market
    seller = gallery.owner
    _enabled_seller(client, standin, seller)
    standin.register_webhook(f"{live_server.url}/payments/webhook/stripe/", WEBHOOK_SECRET)
    order = place(seller, [digital(photos[0], price="20.00")], provider="stripe")
    payment = _pay(order)  # fee 2.00, transfer 18.00
    standin.wait_for_deliveries()

    # Refunded in Stripe's dashboard, taking back the transfer and the fee: 5.00 of 20.00.
    standin.dashboard_refund(
        payment.reference, amount=500, reverse_transfer=True, refund_application_fee=True
    )
    _wait_for(lambda: Refund.objects.filter(payment=payment, source="provider").exists())
    refund = Refund.objects.get(payment=payment, source="provider")
    assert refund.amount == Decimal("5.00")
    charge = (
        standin.client()
        .v1.payment_intents.retrieve(payment.reference, params={"expand": ["latest_charge"]})
        .latest_charge
    )
    assert standin.client().v1.transfers.retrieve(charge.transfer).amount_reversed == 450
    entries = _ledger(order)
    assert entries[LedgerKind.REFUND] == Decimal("-5.00")
    assert entries[LedgerKind.FEE_REFUND] == Decimal("0.50")

    # One that left the transfer alone (the platform paid it) takes nothing from the seller.
    standin.dashboard_refund(payment.reference, amount=100)
    _wait_for(lambda: Refund.objects.filter(payment=payment, source="provider").count() == 2)
    assert LedgerEntry.objects.filter(kind=LedgerKind.REFUND).count() == 1
