"""A stand-in Stripe HTTP server (server.py), a client for its test controls, and fixtures.

`stripe_standin` (session) runs `python -m tests.stripe_standin` on a free loopback port;
`standin` (per test) resets its state first. Point stripe-python at `standin.base_url`.
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support import BIN, ROOT, free_port, stop_process, wait_for_port

API_KEY = "sk_test_standin"


class StandinError(Exception):
    """A /_standin/ control answered with an error."""


@dataclass
class StandinServer:
    base_url: str
    process: subprocess.Popen | None = None

    def client(self, **options: Any):
        """A stripe-python client for this server (no retries unless asked)."""
        import stripe

        options.setdefault("max_network_retries", 0)
        return stripe.StripeClient(API_KEY, base_addresses={"api": self.base_url}, **options)

    def control(self, method: str, route: str, /, **params: Any) -> dict:
        """Call a /_standin/ control: `control("POST", "fail", path="/v1/refunds")`."""
        data = {k: fmt(v) for k, v in params.items() if v is not None}
        url = f"{self.base_url}/_standin/{route}"
        body = None
        if method == "GET":
            url += "?" + urllib.parse.urlencode(data) if data else ""
        else:
            body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(url, data=body, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            raise StandinError(f"{method} {route}: {error.code} {error.read().decode()}") from None

    # webhooks and events

    def register_webhook(self, url: str, secret: str, connect: bool = False) -> dict:
        return self.control("POST", "webhooks", url=url, secret=secret, connect=connect)

    def pause_webhooks(self) -> dict:
        return self.control("POST", "webhooks/pause")

    def resume_webhooks(self) -> dict:
        return self.control("POST", "webhooks/resume")

    def deliver(self, order: str = "forward") -> dict:
        """Send the deliveries held while paused (stays paused), in order or reversed."""
        return self.control("POST", f"deliver?order={order}")

    def resend(self, event_id: str, timestamp: int | None = None) -> dict:
        return self.control("POST", f"events/{event_id}/resend", timestamp=timestamp)

    def deliveries(self, **filters: str) -> list[dict]:
        """Every delivery attempt so far, oldest first (filters: event, type, endpoint)."""
        return self.control("GET", "deliveries", **filters)["data"]

    def wait_for_deliveries(self, timeout: float = 10.0) -> list[dict]:
        """Wait until no delivery is queued or retrying; return the attempts."""
        deadline = time.monotonic() + timeout
        while True:
            answer = self.control("GET", "deliveries")
            if answer["pending"] == 0 or time.monotonic() > deadline:
                return answer["data"]
            time.sleep(0.05)

    def events(self, type: str | None = None, limit: int = 100) -> list[dict]:
        """Events, newest first, as GET /v1/events lists them."""
        query = urllib.parse.urlencode({"limit": limit} | ({"type": type} if type else {}))
        request = urllib.request.Request(
            f"{self.base_url}/v1/events?{query}", headers={"Authorization": f"Bearer {API_KEY}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)["data"]

    # Stripe's side of things

    def complete_onboarding(self, account: str) -> None:
        urllib.request.urlopen(
            f"{self.base_url}/_standin/onboard/{account}/complete", timeout=30
        ).close()

    def leave_onboarding_incomplete(self, account: str) -> None:
        urllib.request.urlopen(
            f"{self.base_url}/_standin/onboard/{account}/incomplete", timeout=30
        ).close()

    def set_account(self, account: str, **fields: Any) -> dict:
        """charges_enabled, payouts_enabled, details_submitted, disabled_reason,
        requirements_currently_due (a list or comma-separated string)."""
        due = fields.get("requirements_currently_due")
        if isinstance(due, list | tuple):
            fields["requirements_currently_due"] = ",".join(due)
        return self.control("POST", f"accounts/{account}", **fields)

    def authenticate(self, payment_intent: str, outcome: str = "complete") -> dict:
        return self.control(
            "POST", f"payment_intents/{payment_intent}/authenticate", outcome=outcome
        )

    def dashboard_refund(self, charge: str, amount: int | None = None, **more: Any) -> dict:
        """Refund as from Stripe's dashboard (`charge` may be a ch_ or pi_ id)."""
        return self.control("POST", f"charges/{charge}/refund", amount=amount, **more)

    def open_dispute(
        self,
        payment_intent: str | None = None,
        charge: str | None = None,
        amount: int | None = None,
        reason: str = "fraudulent",
    ) -> dict:
        return self.control(
            "POST",
            "disputes",
            payment_intent=payment_intent,
            charge=charge,
            amount=amount,
            reason=reason,
        )

    def close_dispute(self, dispute: str, status: str) -> dict:
        return self.control("POST", f"disputes/{dispute}/close", status=status)

    def payout(self, account: str, amount: int, currency: str = "usd") -> dict:
        return self.control("POST", "payouts", account=account, amount=amount, currency=currency)

    # faults

    def fail_next(self, path: str = "/v1", status: int = 500, count: int = 1) -> dict:
        return self.control("POST", "fail", path=path, status=status, count=count)

    def delay(self, seconds: float) -> dict:
        return self.control("POST", "delay", seconds=seconds)

    def reset(self) -> dict:
        return self.control("POST", "reset")


def fmt(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


@pytest.fixture(scope="session")
def stripe_standin() -> Iterator[StandinServer]:
    """The stand-in Stripe server, one process for the session (use `standin` in tests)."""
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "python"), "-m", "tests.stripe_standin", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process=process)
        yield StandinServer(base_url=f"http://127.0.0.1:{port}", process=process)
    finally:
        stop_process(process)


@pytest.fixture
def standin(stripe_standin) -> StandinServer:
    """The stand-in Stripe server with its state (objects, webhooks, faults) cleared."""
    stripe_standin.reset()
    return stripe_standin
