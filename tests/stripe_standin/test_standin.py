"""The stand-in Stripe server, driven by stripe-python over HTTP as our code drives Stripe."""

import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

SECRET = "whsec_standin_test"


class Receiver:
    """A webhook endpoint on loopback that records what it is sent (failing the first `fail`)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []  # (payload, Stripe-Signature)
        self.fail = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                if receiver.fail > 0:
                    receiver.fail -= 1
                    self.send_response(500)
                else:
                    receiver.received.append((body, self.headers["Stripe-Signature"]))
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self, type: str, count: int = 1, timeout: float = 10) -> list:
        """Wait for `count` deliveries of `type`; return them verified by stripe-python."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [
                stripe.Webhook.construct_event(payload, sig, SECRET)
                for payload, sig in list(self.received)
                if f'"type": "{type}"' in payload
            ]
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no {type} delivered; got {len(self.received)} deliveries")


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()


@pytest.fixture
def client(standin):
    return standin.client()


@pytest.fixture
def seller(standin, client):
    account = client.v1.accounts.create(params={"type": "express", "country": "US"})
    standin.complete_onboarding(account.id)
    return account.id


def pay(client, amount=10000, pm="pm_card_visa", **params):
    params = {"amount": amount, "currency": "usd", "payment_method": pm, "confirm": True} | params
    return client.v1.payment_intents.create(params=params)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


def test_onboarding_a_connect_account_sends_a_signed_account_updated(standin, client, receiver):
    standin.register_webhook(receiver.url, SECRET, connect=True)
    account = client.v1.accounts.create(
        params={
            "type": "express",
            "email": "ann@example.com",
            "capabilities": {
                "card_payments": {"requested": True},
                "transfers": {"requested": True},
            },
            "metadata": {"photographer": "7"},
        }
    )
    assert (account.charges_enabled, account.payouts_enabled, account.details_submitted) == (
        False,
        False,
        False,
    )
    assert "external_account" in account.requirements.currently_due
    assert account.metadata["photographer"] == "7"
    with pytest.raises(stripe.InvalidRequestError) as refused:  # not onboarded yet
        pay(client, application_fee_amount=100, transfer_data={"destination": account.id})
    assert refused.value.code == "account_invalid"

    link = client.v1.account_links.create(
        params={
            "account": account.id,
            "refresh_url": "http://shop.test/refresh",
            "return_url": "http://shop.test/return",
            "type": "account_onboarding",
        }
    )
    page = urllib.request.urlopen(link.url).read().decode()
    assert "Complete onboarding" in page and "Leave incomplete" in page
    complete = page.split('id="complete" href="')[1].split('"')[0].replace("&amp;", "&")
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as answer:
        opener.open(standin.base_url + complete)
    assert (
        answer.value.code == 302 and answer.value.headers["Location"] == "http://shop.test/return"
    )

    account = client.v1.accounts.retrieve(account.id)
    assert account.charges_enabled and account.payouts_enabled and account.details_submitted
    assert account.requirements.currently_due == []
    (event,) = receiver.events("account.updated")
    assert event.account == account.id and event.data.object.charges_enabled is True

    standin.set_account(account.id, charges_enabled=False, disabled_reason="rejected.fraud")
    assert receiver.events("account.updated", 2)[1].data.object.requirements.disabled_reason


def test_destination_charge_then_partial_refunds_reverse_transfer_and_fee(
    standin, client, seller, receiver
):
    standin.register_webhook(receiver.url, SECRET)
    intent = pay(
        client,
        application_fee_amount=1000,
        transfer_data={"destination": seller},
        metadata={"order": "42"},
        expand=["latest_charge"],
    )
    charge = intent.latest_charge
    assert intent.status == "succeeded" and intent.amount_received == 10000
    assert charge.payment_method_details.card.last4 == "4242"
    assert client.v1.application_fees.retrieve(charge.application_fee).amount == 1000
    assert client.v1.transfers.retrieve(charge.transfer).amount == 9000
    assert receiver.events("payment_intent.succeeded")[0].data.object.metadata.order == "42"

    refund = client.v1.refunds.create(
        params={
            "payment_intent": intent.id,
            "amount": 2500,
            "reason": "requested_by_customer",
            "reverse_transfer": True,
            "refund_application_fee": True,
        }
    )
    assert (refund.status, refund.amount, refund.charge) == ("succeeded", 2500, charge.id)
    transfer = client.v1.transfers.retrieve(charge.transfer)
    assert transfer.amount_reversed == 2250 and transfer.reversals.data[0].amount == 2250
    assert client.v1.application_fees.retrieve(charge.application_fee).amount_refunded == 250
    (event,) = receiver.events("charge.refunded")
    assert event.data.object.amount_refunded == 2500
    assert event.data.object.refunds.data[0].id == refund.id

    with pytest.raises(stripe.InvalidRequestError) as too_much:
        client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 7501})
    assert too_much.value.code == "amount_too_large"
    standin.dashboard_refund(charge.id)  # the rest, from Stripe's dashboard
    assert client.v1.charges.retrieve(charge.id).refunded is True
    assert len(receiver.events("refund.created", 2)) == 2


def test_a_declined_card_and_3d_secure(standin, client):
    with pytest.raises(stripe.CardError) as declined:
        pay(client, pm="pm_card_chargeDeclined")
    assert declined.value.code == "card_declined"
    intent = client.v1.payment_intents.retrieve(declined.value.error.payment_intent.id)
    assert intent.status == "requires_payment_method"
    assert intent.last_payment_error.decline_code == "generic_decline"
    assert standin.events("payment_intent.payment_failed")

    intent = pay(client, pm="pm_card_threeDSecure2Required")
    assert intent.status == "requires_action" and intent.next_action.type == "use_stripe_sdk"
    standin.authenticate(intent.id, "complete")
    succeeded = client.v1.payment_intents.retrieve(intent.id)
    assert succeeded.status == "succeeded"
    intent = pay(client, pm="pm_card_threeDSecure2Required")
    standin.authenticate(intent.id, "fail")
    intent = client.v1.payment_intents.retrieve(intent.id)
    assert intent.status == "requires_payment_method" and intent.last_payment_error

    with pytest.raises(stripe.InvalidRequestError):  # a succeeded intent cannot be canceled
        client.v1.payment_intents.cancel(succeeded.id)
    intent = client.v1.payment_intents.create(params={"amount": 500, "currency": "usd"})
    assert client.v1.payment_intents.cancel(intent.id).status == "canceled"
    assert standin.events("payment_intent.canceled")


def test_an_idempotency_key_replays_the_first_answer(client):
    params = {"amount": 1200, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    first = client.v1.payment_intents.create(params=params, options={"idempotency_key": "k1"})
    again = client.v1.payment_intents.create(params=params, options={"idempotency_key": "k1"})
    assert again.id == first.id and again.latest_charge == first.latest_charge
    with pytest.raises(stripe.IdempotencyError):
        client.v1.payment_intents.create(
            params=params | {"amount": 1300}, options={"idempotency_key": "k1"}
        )


def test_disputes_payouts_and_their_events(standin, client, seller):
    intent = pay(client, transfer_data={"destination": seller})
    dispute = standin.open_dispute(payment_intent=intent.id)
    assert dispute["status"] == "needs_response" and dispute["amount"] == 10000
    assert client.v1.charges.retrieve(intent.latest_charge).disputed is True
    standin.close_dispute(dispute["id"], "won")
    assert client.v1.disputes.retrieve(dispute["id"]).status == "won"
    (closed,) = standin.events("charge.dispute.closed")
    assert closed["data"]["object"]["status"] == "won"
    assert standin.events("charge.dispute.created")

    payout = standin.payout(seller, 9000)
    (paid,) = standin.events("payout.paid")
    assert paid["account"] == seller and paid["data"]["object"]["id"] == payout["id"]


def test_injected_failures_and_bad_keys(standin, client):
    standin.fail_next("/v1/payment_intents", status=503)
    with pytest.raises(stripe.APIError):
        pay(client)
    assert pay(client).status == "succeeded"
    with pytest.raises(stripe.AuthenticationError):
        stripe.StripeClient(
            "pk_nope", base_addresses={"api": standin.base_url}
        ).v1.customers.create()


def test_deliveries_retry_resend_replay_and_reorder(standin, client, receiver):
    standin.register_webhook(receiver.url, SECRET)
    receiver.fail = 1
    customer = client.v1.customers.create(params={"email": "a@example.com"})
    client.v1.payment_methods.attach("pm_card_mastercard", params={"customer": customer.id})
    pm = client.v1.payment_methods.list(params={"customer": customer.id, "type": "card"}).data[0]
    assert pm.id.startswith("pm_") and pm.card.last4 == "4444"
    (event,) = receiver.events("payment_method.attached")
    attempts = [d["status"] for d in standin.wait_for_deliveries()]
    assert attempts == [500, 200]

    standin.resend(event.id)  # a duplicate delivery, freshly signed
    assert len(receiver.events("payment_method.attached", 2)) == 2
    standin.resend(event.id, timestamp=int(time.time()) - 3600)  # replayed an hour late
    standin.wait_for_deliveries()
    payload, sig = receiver.received[-1]
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, sig, SECRET)

    standin.pause_webhooks()
    first = pay(client, amount=100)
    second = pay(client, amount=200)
    standin.deliver(order="reverse")
    standin.wait_for_deliveries()
    ids = [e.data.object.id for e in receiver.events("payment_intent.succeeded", 2)]
    assert ids == [second.id, first.id]
