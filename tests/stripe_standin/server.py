"""A stand-in Stripe HTTP server for what no offline Stripe server emulates (see README.md).

It speaks the shapes of Stripe's API reference for Connect accounts and account links,
destination charges (application fees, transfers, reversals), refunds, disputes, payouts and
events, and delivers events to webhook endpoints signed with Stripe's scheme. State is in
memory, behind one lock. Test controls live under /_standin/.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import html
import json
import queue
import re
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API_VERSION = "2024-06-20"
RETRY_DELAYS = (0.2, 1.0, 3.0)

# Test payment methods that exist without being created: brand, last4, behaviour.
TEST_CARDS: dict[str, tuple[str, str, str]] = {
    "pm_card_visa": ("visa", "4242", "succeed"),
    "pm_card_mastercard": ("mastercard", "4444", "succeed"),
    "pm_card_amex": ("amex", "8431", "succeed"),
    "pm_card_chargeDeclined": ("visa", "0002", "decline:generic_decline"),
    "pm_card_chargeDeclinedInsufficientFunds": ("visa", "9995", "decline:insufficient_funds"),
    "pm_card_threeDSecure2Required": ("visa", "3220", "3ds"),
}

# Parameters each endpoint accepts (Stripe refuses unknown ones); `expand` is always accepted.
PI_PARAMS = {
    "amount", "currency", "metadata", "description", "customer", "payment_method", "confirm",
    "capture_method", "automatic_payment_methods", "payment_method_types", "setup_future_usage",
    "application_fee_amount", "transfer_data", "on_behalf_of", "receipt_email", "return_url",
    "off_session", "statement_descriptor", "statement_descriptor_suffix", "transfer_group",
    "payment_method_options", "confirmation_method", "error_on_requires_action", "shipping",
    "use_stripe_sdk", "mandate_data", "payment_method_data",
}  # fmt: skip
CONFIRM_PARAMS = {
    "payment_method", "off_session", "return_url", "setup_future_usage", "receipt_email",
    "payment_method_types", "payment_method_options", "error_on_requires_action", "shipping",
    "use_stripe_sdk", "mandate_data", "capture_method", "payment_method_data",
}  # fmt: skip
REFUND_PARAMS = {
    "payment_intent", "charge", "amount", "reason", "metadata", "reverse_transfer",
    "refund_application_fee", "instructions_email", "origin",
}  # fmt: skip
ACCOUNT_PARAMS = {
    "type", "country", "email", "capabilities", "business_type", "metadata", "business_profile",
    "settings", "tos_acceptance", "default_currency", "controller", "individual", "company",
}  # fmt: skip
REFUND_REASONS = {"duplicate", "fraudulent", "requested_by_customer"}
DISPUTE_REASONS = {
    "bank_cannot_process", "check_returned", "credit_not_processed", "customer_initiated",
    "debit_not_authorized", "duplicate", "fraudulent", "general", "incorrect_account_details",
    "insufficient_funds", "product_not_received", "product_unacceptable",
    "subscription_canceled", "unrecognized",
}  # fmt: skip
INITIAL_REQUIREMENTS = [
    "business_profile.url",
    "external_account",
    "tos_acceptance.date",
    "tos_acceptance.ip",
]
PREFIXES = {
    "acct": "accounts", "cus": "customers", "pm": "payment_methods", "pi": "payment_intents",
    "ch": "charges", "fee": "application_fees", "tr": "transfers", "trr": "reversals",
    "re": "refunds", "fr": "fee_refunds", "dp": "disputes", "po": "payouts",
    "txn": "balance_transactions", "evt": "events",
}  # fmt: skip


class StripeError(Exception):
    """An answer in Stripe's error shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        **extra: Any,
    ):
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {
            "error": {"type": type, "code": code, "message": message, "param": param, **extra}
        }
        if code:
            self.body["error"]["doc_url"] = f"https://stripe.com/docs/error-codes/{code}"


def invalid(message: str, param: str | None = None, code: str | None = None) -> StripeError:
    return StripeError(400, message, param=param, code=code)


def missing(kind: str, ident: str, param: str = "id") -> StripeError:
    return StripeError(404, f"No such {kind}: '{ident}'", code="resource_missing", param=param)


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def now() -> int:
    return int(time.time())


# --- form bodies ----------------------------------------------------------------------------


def parse_form(text: str) -> dict[str, Any]:
    """`a[b][c]=1&e[0]=x&e[]=y` → {"a": {"b": {"c": "1"}}, "e": ["x", "y"]}."""
    root: dict[str, Any] = {}
    for key, value in urllib.parse.parse_qsl(text, keep_blank_values=True):
        head, _, rest = key.partition("[")
        parts = [head] + (re.findall(r"([^\]]*)\]", "[" + rest) if rest else [])
        parts = [p.lstrip("[") for p in parts]
        node = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part == "":  # `x[]`: append
                part = str(len(node))
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    raise invalid(f"Invalid parameter: {key}", param=key)
    return listify(root)


def listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    node = {k: listify(v) for k, v in node.items()}
    if node and all(k.isdigit() for k in node):
        return [node[k] for k in sorted(node, key=int)]
    return node


def as_int(params: dict, name: str, *, minimum: int = 0) -> int | None:
    if name not in params or params[name] == "":
        return None
    try:
        value = int(params[name])
    except (TypeError, ValueError):
        raise invalid(f"Invalid integer: {params[name]}", param=name) from None
    if value < minimum:
        raise invalid(f"This value must be greater than or equal to {minimum}.", param=name)
    return value


def as_bool(params: dict, name: str, default: bool = False) -> bool:
    value = params.get(name)
    if value is None or value == "":
        return default
    if str(value).lower() in ("true", "1"):
        return True
    if str(value).lower() in ("false", "0"):
        return False
    raise invalid(f"Invalid boolean: {value}", param=name)


def as_dict(params: dict, name: str) -> dict:
    value = params.get(name) or {}
    if not isinstance(value, dict):
        raise invalid(f"Invalid object: {name}", param=name)
    return value


def as_list(params: dict, name: str) -> list:
    value = params.get(name) or []
    if isinstance(value, str):
        value = [value]
    if isinstance(value, dict):
        raise invalid(f"Invalid array: {name}", param=name)
    return value


def check_params(params: dict, allowed: set[str]) -> None:
    for name in params:
        if name not in allowed and name != "expand":
            raise invalid(f"Received unknown parameter: {name}", param=name)


def merge_metadata(obj: dict, params: dict) -> None:
    """Stripe's metadata semantics: keys merge, an empty value unsets, `metadata=` clears."""
    if "metadata" not in params:
        return
    value = params["metadata"]
    if value == "":
        obj["metadata"] = {}
        return
    for key, item in as_dict(params, "metadata").items():
        if item == "":
            obj["metadata"].pop(key, None)
        else:
            obj["metadata"][key] = str(item)


def listing(data: list, url: str) -> dict:
    return {"object": "list", "data": data, "has_more": False, "total_count": len(data), "url": url}


# --- webhooks -----------------------------------------------------------------------------


def signature(payload: str, secret: str, timestamp: int) -> str:
    signed = f"{timestamp}.{payload}".encode()
    v1 = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={v1}"


@dataclass
class Endpoint:
    id: str
    url: str
    secret: str
    connect: bool
    enabled_events: list[str]
    queue: queue.Queue = field(default_factory=queue.Queue)
    stopped: threading.Event = field(default_factory=threading.Event)

    def wants(self, event: dict) -> bool:
        if bool(event.get("account")) != self.connect:
            return False
        return "*" in self.enabled_events or event["type"] in self.enabled_events

    def describe(self) -> dict:
        return {
            "id": self.id,
            "object": "webhook_endpoint",
            "url": self.url,
            "secret": self.secret,
            "connect": self.connect,
            "enabled_events": self.enabled_events,
        }


# --- the state ----------------------------------------------------------------------------


class Standin:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.local = threading.local()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            for endpoint in getattr(self, "endpoints", []):
                endpoint.stopped.set()
                endpoint.queue.put(None)
            self.objects: dict[str, dict[str, dict]] = {name: {} for name in PREFIXES.values()}
            self.behaviour: dict[str, str] = {}  # payment method id → test card behaviour
            self.idempotency: dict[str, tuple[str, int, dict]] = {}
            self.events: list[dict] = []
            self.endpoints: list[Endpoint] = []
            self.deliveries: list[dict] = []
            self.in_flight = 0
            self.paused = False
            self.held: list[tuple[Endpoint, dict, int | None]] = []
            self.failures: list[dict] = []
            self.delay = 0.0

    # objects

    def store(self, obj: dict) -> dict:
        self.objects[PREFIXES[obj["id"].split("_", 1)[0]]][obj["id"]] = obj
        return obj

    def lookup(self, ident: str) -> dict | None:
        kind = PREFIXES.get(ident.split("_", 1)[0]) if isinstance(ident, str) else None
        return self.objects[kind].get(ident) if kind else None

    def get(self, kind: str, ident: str, noun: str, param: str = "id") -> dict:
        obj = self.objects[kind].get(ident)
        if obj is None:
            raise missing(noun, ident, param)
        return obj

    def base(self, prefix: str, object_name: str, **fields: Any) -> dict:
        obj = {"id": new_id(prefix), "object": object_name, "created": now(), "livemode": False}
        obj.update(fields)
        obj.setdefault("metadata", {})
        return self.store(obj)

    def expand(self, obj: dict, paths: list[str]) -> dict:
        obj = copy.deepcopy(obj)
        for path in paths:
            self._expand(obj, path.split("."))
        return obj

    def _expand(self, node: Any, parts: list[str]) -> None:
        if not parts or not isinstance(node, dict):
            return
        head, rest = parts[0], parts[1:]
        if head == "data" and isinstance(node.get("data"), list):
            for item in node["data"]:
                self._expand(item, rest)
            return
        value = node.get(head)
        if isinstance(value, str):
            target = self.lookup(value)
            if target is None:
                return
            value = node[head] = copy.deepcopy(target)
        self._expand(value, rest)

    # events

    def emit(self, type: str, obj: dict, account: str | None = None, previous=None) -> dict:
        event: dict[str, Any] = {
            "id": new_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": now(),
            "livemode": False,
            "type": type,
            "data": {"object": copy.deepcopy(obj)},
            "pending_webhooks": 0,
            "request": {
                "id": getattr(self.local, "request_id", None),
                "idempotency_key": getattr(self.local, "idempotency_key", None),
            },
        }
        if previous:
            event["data"]["previous_attributes"] = previous
        if account:
            event["account"] = account
        targets = [e for e in self.endpoints if e.wants(event)]
        event["pending_webhooks"] = len(targets)
        self.events.append(event)
        self.store(event)
        for endpoint in targets:
            self.send(endpoint, event, None)
        return event

    def send(self, endpoint: Endpoint, event: dict, timestamp: int | None) -> None:
        if self.paused:
            self.held.append((endpoint, event, timestamp))
        else:
            self.in_flight += 1
            endpoint.queue.put((event, timestamp))

    def release(self, reverse: bool) -> int:
        held, self.held = self.held, []
        for endpoint, event, timestamp in reversed(held) if reverse else held:
            self.in_flight += 1
            endpoint.queue.put((event, timestamp))
        return len(held)

    def add_endpoint(self, url: str, secret: str, connect: bool, enabled: list[str]) -> Endpoint:
        endpoint = Endpoint(new_id("we"), url, secret, connect, enabled)
        self.endpoints.append(endpoint)
        threading.Thread(target=self.deliver_loop, args=(endpoint,), daemon=True).start()
        return endpoint

    def deliver_loop(self, endpoint: Endpoint) -> None:
        while True:
            item = endpoint.queue.get()
            if item is None or endpoint.stopped.is_set():
                return
            event, timestamp = item
            payload = json.dumps(event, indent=2)
            for attempt, wait in enumerate((*RETRY_DELAYS, None), start=1):
                if endpoint.stopped.is_set():
                    return
                ok = self.attempt(endpoint, event, payload, timestamp, attempt)
                if ok or wait is None or endpoint.stopped.wait(wait):
                    break
            with self.lock:
                if not endpoint.stopped.is_set():
                    self.in_flight -= 1
                    event["pending_webhooks"] = max(0, event["pending_webhooks"] - 1)

    def attempt(self, endpoint: Endpoint, event: dict, payload: str, timestamp, number) -> bool:
        t = timestamp if timestamp is not None else now()
        request = urllib.request.Request(
            endpoint.url,
            data=payload.encode(),
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": signature(payload, endpoint.secret, t),
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            },
        )
        status, error = None, None
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (OSError, ValueError) as exc:
            error = str(exc)
        with self.lock:
            if not endpoint.stopped.is_set():
                self.deliveries.append(
                    {
                        "event": event["id"],
                        "type": event["type"],
                        "endpoint": endpoint.id,
                        "url": endpoint.url,
                        "attempt": number,
                        "timestamp": t,
                        "status": status,
                        "error": error,
                        "ok": status is not None and 200 <= status < 300,
                    }
                )
        return status is not None and 200 <= status < 300


@dataclass
class Response:
    status: int
    body: Any
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def redirect(location: str) -> Response:
    return Response(302, "", "text/plain", {"Location": location})


# --- the API --------------------------------------------------------------------------------


class Stripe(Standin):
    """Stripe's endpoints and the /_standin/ controls, over the in-memory state."""

    # accounts

    def create_account(self, p: dict, ctx: dict) -> dict:
        check_params(p, ACCOUNT_PARAMS)
        kind = p.get("type", "express")
        if kind not in ("standard", "express", "custom", ""):
            raise invalid("Invalid type: must be one of standard, express, custom", "type")
        capabilities = {
            name: "inactive"
            for name, wanted in as_dict(p, "capabilities").items()
            if as_bool(wanted if isinstance(wanted, dict) else {}, "requested")
        }
        due = list(INITIAL_REQUIREMENTS)
        return self.base(
            "acct",
            "account",
            type=kind or "express",
            country=p.get("country") or "US",
            email=p.get("email") or None,
            business_type=p.get("business_type") or None,
            business_profile={"url": None, "name": None, "mcc": None, "product_description": None},
            default_currency="usd",
            capabilities=capabilities,
            charges_enabled=False,
            payouts_enabled=False,
            details_submitted=False,
            requirements=self.requirements(due, "requirements.past_due"),
            future_requirements=self.requirements([], None),
            settings={},
            tos_acceptance={"date": None, "ip": None},
            external_accounts=listing([], "/v1/accounts/{id}/external_accounts"),
            metadata={k: str(v) for k, v in as_dict(p, "metadata").items()},
        )

    @staticmethod
    def requirements(due: list[str], reason: str | None) -> dict:
        return {
            "alternatives": [],
            "current_deadline": None,
            "currently_due": list(due),
            "disabled_reason": reason,
            "errors": [],
            "eventually_due": list(due),
            "past_due": list(due),
            "pending_verification": [],
        }

    def update_account(self, account: dict, changes: dict) -> dict:
        previous = {k: copy.deepcopy(account[k]) for k in changes if account.get(k) != changes[k]}
        account.update(changes)
        if previous:
            self.emit("account.updated", account, account=account["id"], previous=previous)
        return account

    def onboard(self, ident: str, complete: bool) -> dict:
        account = self.get("accounts", ident, "account")
        if complete:
            caps = {name: "active" for name in account["capabilities"]}
            changes = {
                "charges_enabled": True,
                "payouts_enabled": True,
                "details_submitted": True,
                "capabilities": caps,
                "requirements": self.requirements([], None),
                "tos_acceptance": {"date": now(), "ip": "127.0.0.1"},
            }
        else:  # details submitted, but Stripe still wants something: restricted
            changes = {
                "charges_enabled": False,
                "payouts_enabled": False,
                "details_submitted": True,
                "requirements": self.requirements(
                    ["external_account", "individual.verification.document"],
                    "requirements.past_due",
                ),
            }
        return self.update_account(account, changes)

    def set_account(self, ident: str, p: dict) -> dict:
        account = self.get("accounts", ident, "account")
        changes: dict[str, Any] = {}
        for name in ("charges_enabled", "payouts_enabled", "details_submitted"):
            if name in p:
                changes[name] = as_bool(p, name)
        if "requirements_currently_due" in p or "disabled_reason" in p:
            req = copy.deepcopy(account["requirements"])
            if "requirements_currently_due" in p:
                due = [x for x in p["requirements_currently_due"].split(",") if x]
                req.update(currently_due=due, eventually_due=list(due), past_due=list(due))
            if "disabled_reason" in p:
                req["disabled_reason"] = p["disabled_reason"] or None
            changes["requirements"] = req
        return self.update_account(account, changes)

    def create_account_link(self, p: dict, ctx: dict) -> dict:
        check_params(
            p, {"account", "refresh_url", "return_url", "type", "collect", "collection_options"}
        )
        for name in ("account", "type"):
            if not p.get(name):
                raise invalid(f"Missing required param: {name}.", name, "parameter_missing")
        if p["type"] not in ("account_onboarding", "account_update"):
            raise invalid("Invalid type: must be one of account_onboarding, account_update", "type")
        self.get("accounts", p["account"], "account", "account")
        query = urllib.parse.urlencode(
            {"return_url": p.get("return_url", ""), "refresh_url": p.get("refresh_url", "")}
        )
        created = now()
        return {
            "object": "account_link",
            "created": created,
            "expires_at": created + 300,
            "url": f"{ctx['base_url']}/_standin/onboard/{p['account']}?{query}",
        }

    # customers and payment methods

    def create_customer(self, p: dict) -> dict:
        customer = self.base(
            "cus",
            "customer",
            email=p.get("email") or None,
            name=p.get("name") or None,
            description=p.get("description") or None,
            phone=p.get("phone") or None,
            invoice_settings={"default_payment_method": None},
        )
        merge_metadata(customer, p)
        return customer

    def payment_method(self, ident: str, param: str = "payment_method") -> dict:
        if ident in TEST_CARDS and ident not in self.objects["payment_methods"]:
            brand, last4, behaviour = TEST_CARDS[ident]
            self.behaviour[ident] = behaviour
            year = time.gmtime().tm_year + 3
            card = {"brand": brand, "last4": last4, "exp_month": 12, "exp_year": year}
            card.update(country="US", funding="credit", fingerprint=f"fp_{brand}{last4}")
            pm = {
                "id": ident,
                "object": "payment_method",
                "type": "card",
                "card": card,
                "customer": None,
                "billing_details": {"address": None, "email": None, "name": None, "phone": None},
                "created": now(),
                "livemode": False,
                "metadata": {},
            }
            self.objects["payment_methods"][ident] = pm
        return self.get("payment_methods", ident, "PaymentMethod", param)

    def attach(self, ident: str, customer_id: str) -> dict:
        pm = self.payment_method(ident, "id")
        self.get("customers", customer_id, "customer", "customer")
        if pm["id"] in TEST_CARDS:  # a test card attaches as a fresh copy
            copied = copy.deepcopy(pm) | {"id": new_id("pm"), "created": now()}
            self.behaviour[copied["id"]] = self.behaviour[pm["id"]]
            pm = self.store(copied)
        elif pm["customer"] and pm["customer"] != customer_id:
            raise invalid(
                "The payment method you provided has already been attached to a customer.",
                "payment_method",
                "payment_method_unexpected_state",
            )
        pm["customer"] = customer_id
        self.emit("payment_method.attached", pm)
        return pm

    # payment intents

    def create_payment_intent(self, p: dict, ctx: dict) -> Response:
        check_params(p, PI_PARAMS)
        amount = as_int(p, "amount", minimum=1)
        if amount is None:
            raise invalid("Missing required param: amount.", "amount", "parameter_missing")
        currency = str(p.get("currency") or "").lower()
        if not re.fullmatch(r"[a-z]{3}", currency):
            raise invalid("Missing required param: currency.", "currency", "parameter_missing")
        if p.get("capture_method", "automatic") not in ("automatic", "automatic_async"):
            raise invalid("The stand-in supports capture_method=automatic only.", "capture_method")
        if "automatic_payment_methods" in p and "payment_method_types" in p:
            raise invalid(
                "You may only specify one of these parameters: automatic_payment_methods, "
                "payment_method_types.",
                "automatic_payment_methods",
            )
        apm = as_dict(p, "automatic_payment_methods")
        pi = self.base(
            "pi",
            "payment_intent",
            amount=amount,
            amount_capturable=0,
            amount_received=0,
            currency=currency,
            status="requires_payment_method",
            client_secret=None,
            capture_method=p.get("capture_method", "automatic"),
            confirmation_method="automatic",
            automatic_payment_methods={"enabled": as_bool(apm, "enabled")} if apm else None,
            payment_method_types=as_list(p, "payment_method_types") or ["card"],
            customer=None,
            description=None,
            payment_method=None,
            latest_charge=None,
            last_payment_error=None,
            next_action=None,
            receipt_email=None,
            setup_future_usage=None,
            application_fee_amount=None,
            transfer_data=None,
            on_behalf_of=None,
            transfer_group=None,
            statement_descriptor=None,
            statement_descriptor_suffix=None,
            canceled_at=None,
            cancellation_reason=None,
        )
        pi["client_secret"] = f"{pi['id']}_secret_{secrets.token_hex(12)}"
        try:
            self.apply_pi_changes(pi, p)
        except StripeError:
            del self.objects["payment_intents"][pi["id"]]
            raise
        self.emit("payment_intent.created", pi)
        if as_bool(p, "confirm"):
            return self.confirm(pi, p)
        return Response(200, pi)

    def apply_pi_changes(self, pi: dict, p: dict) -> None:
        """Validate and apply the parameters a PaymentIntent's creation and update share."""
        if "amount" in p:
            pi["amount"] = as_int(p, "amount", minimum=1)
        if p.get("currency"):
            pi["currency"] = str(p["currency"]).lower()
        for name in ("description", "receipt_email", "statement_descriptor", "transfer_group"):
            if name in p:
                pi[name] = p[name] or None
        if "statement_descriptor_suffix" in p:
            pi["statement_descriptor_suffix"] = p["statement_descriptor_suffix"] or None
        if "setup_future_usage" in p:
            if p["setup_future_usage"] not in ("on_session", "off_session", ""):
                raise invalid("Invalid setup_future_usage", "setup_future_usage")
            pi["setup_future_usage"] = p["setup_future_usage"] or None
        if p.get("customer"):
            self.get("customers", p["customer"], "customer", "customer")
            pi["customer"] = p["customer"]
        if p.get("payment_method"):
            self.check_payment_method(pi, p["payment_method"])
            pi["payment_method"] = p["payment_method"]
            if pi["status"] == "requires_payment_method":
                pi["status"] = "requires_confirmation"
        if "on_behalf_of" in p:
            if p["on_behalf_of"]:
                self.payable_account(p["on_behalf_of"], "on_behalf_of")
            pi["on_behalf_of"] = p["on_behalf_of"] or None
        if "transfer_data" in p:
            data = as_dict(p, "transfer_data")
            if not data.get("destination"):
                raise invalid(
                    "Missing required param: transfer_data[destination].",
                    "transfer_data[destination]",
                    "parameter_missing",
                )
            self.payable_account(data["destination"], "transfer_data[destination]")
            transfer = {"destination": data["destination"]}
            if "amount" in data:
                transfer["amount"] = as_int(data, "amount", minimum=1)
            pi["transfer_data"] = transfer
        if "application_fee_amount" in p:
            pi["application_fee_amount"] = as_int(p, "application_fee_amount")
        merge_metadata(pi, p)
        fee = pi["application_fee_amount"]
        if fee is not None:
            if not pi["transfer_data"] and not pi["on_behalf_of"]:
                raise invalid(
                    "Can only apply an application_fee_amount when the PaymentIntent is attempting"
                    " a direct payment (using an OAuth key or Stripe-Account header) or destination"
                    " payment (using `transfer_data[destination]`).",
                    "application_fee_amount",
                )
            if fee > pi["amount"]:
                raise invalid(
                    "The application fee amount must be less than or equal to the amount.",
                    "application_fee_amount",
                )
            if pi["transfer_data"] and "amount" in pi["transfer_data"]:
                raise invalid(
                    "You may only specify one of these parameters: application_fee_amount, "
                    "transfer_data[amount].",
                    "application_fee_amount",
                )
        if (pi["transfer_data"] or {}).get("amount", 0) > pi["amount"]:
            raise invalid(
                "transfer_data[amount] must be less than or equal to the amount.",
                "transfer_data[amount]",
            )

    def payable_account(self, ident: str, param: str) -> dict:
        account = self.objects["accounts"].get(ident)
        if account is None:
            raise invalid(f"No such destination: '{ident}'", param, "account_invalid")
        if not account["charges_enabled"]:
            raise invalid(
                f"The destination account {ident} cannot accept charges: its charges_enabled is"
                " false (it has not finished onboarding, or Stripe has restricted it).",
                param,
                "account_invalid",
            )
        return account

    def check_payment_method(self, pi: dict, ident: str) -> dict:
        pm = self.payment_method(ident)
        if pm["customer"] and pm["customer"] != pi["customer"]:
            raise invalid(
                f"The provided PaymentMethod {ident} belongs to a customer; pass that customer"
                " (customer) with it.",
                "payment_method",
            )
        return pm

    def get_pi(self, ident: str) -> dict:
        return self.get("payment_intents", ident, "payment_intent")

    def update_payment_intent(self, pi: dict, p: dict) -> dict:
        check_params(p, PI_PARAMS - {"confirm", "off_session", "return_url"})
        if pi["status"] in ("succeeded", "canceled", "processing"):
            raise invalid(
                f"You cannot update this PaymentIntent because it has a status of {pi['status']}.",
                code="payment_intent_unexpected_state",
            )
        before = copy.deepcopy(pi)
        try:
            self.apply_pi_changes(pi, p)
        except StripeError:
            pi.clear()
            pi.update(before)
            raise
        return pi

    def confirm(self, pi: dict, p: dict) -> Response:
        if pi["status"] in ("succeeded", "canceled", "processing"):
            state = {"succeeded": "has already succeeded", "canceled": "has been canceled"}
            raise invalid(
                "You cannot confirm this PaymentIntent because it "
                + state.get(pi["status"], f"has a status of {pi['status']}")
                + ".",
                code="payment_intent_unexpected_state",
            )
        if p.get("payment_method"):
            self.check_payment_method(pi, p["payment_method"])
            pi["payment_method"] = p["payment_method"]
        if "setup_future_usage" in p or "receipt_email" in p:
            self.apply_pi_changes(
                pi, {k: p[k] for k in ("setup_future_usage", "receipt_email") if k in p}
            )
        if not pi["payment_method"]:
            raise invalid(
                "You cannot confirm this PaymentIntent because it's missing a payment method. "
                "Update the payment_method, then confirm again.",
                code="payment_intent_unexpected_state",
            )
        pi["last_payment_error"] = None
        behaviour = self.behaviour.get(pi["payment_method"], "succeed")
        if behaviour.startswith("decline:"):
            return self.fail(
                pi, "card_declined", behaviour.split(":", 1)[1], "Your card was declined."
            )
        if behaviour == "3ds":
            if as_bool(p, "off_session"):
                return self.fail(
                    pi,
                    "authentication_required",
                    "authentication_required",
                    "Your card was declined. This transaction requires authentication.",
                )
            pi["status"] = "requires_action"
            pi["next_action"] = {
                "type": "use_stripe_sdk",
                "use_stripe_sdk": {"type": "three_d_secure_redirect", "source": new_id("src")},
            }
            self.emit("payment_intent.requires_action", pi)
            return Response(200, pi)
        return Response(200, self.succeed(pi))

    def fail(self, pi: dict, code: str, decline_code: str | None, message: str) -> Response:
        charge = None
        if code != "payment_intent_authentication_failure":
            charge = self.charge(pi, failed=(code, message))
        pm = self.payment_method(pi["payment_method"])
        error = {
            "type": "card_error",
            "code": code,
            "decline_code": decline_code,
            "message": message,
            "charge": charge["id"] if charge else None,
            "payment_method": copy.deepcopy(pm),
            "doc_url": f"https://stripe.com/docs/error-codes/{code}",
        }
        pi.update(status="requires_payment_method", next_action=None, last_payment_error=error)
        pi["payment_method"] = None
        self.emit("payment_intent.payment_failed", pi)
        if code == "payment_intent_authentication_failure":
            return Response(200, pi)
        extra = {k: v for k, v in error.items() if k not in ("type", "code", "message")}
        raise StripeError(
            402,
            message,
            type="card_error",
            code=code,
            payment_intent=copy.deepcopy(pi),
            **extra,
        )

    def authenticate(self, pi: dict, outcome: str) -> Response:
        if pi["status"] != "requires_action":
            raise invalid(f"PaymentIntent {pi['id']} is {pi['status']}, not requires_action.")
        if outcome == "fail":
            return self.fail(
                pi,
                "payment_intent_authentication_failure",
                None,
                "The provided PaymentMethod has failed authentication. You can provide "
                "payment_method_data or a new PaymentMethod to attempt to fulfill this "
                "PaymentIntent again.",
            )
        if outcome != "complete":
            raise invalid("outcome must be complete or fail", "outcome")
        return Response(200, self.succeed(pi))

    def charge(self, pi: dict, failed: tuple[str, str] | None = None) -> dict:
        pm = self.payment_method(pi["payment_method"])
        card = {k: pm["card"][k] for k in ("brand", "last4", "exp_month", "exp_year", "country")}
        card["funding"] = pm["card"]["funding"]
        charge = self.base(
            "ch",
            "charge",
            amount=pi["amount"],
            amount_captured=0 if failed else pi["amount"],
            amount_refunded=0,
            refunded=False,
            captured=not failed,
            currency=pi["currency"],
            customer=pi["customer"],
            description=pi["description"],
            metadata=copy.deepcopy(pi["metadata"]),
            paid=not failed,
            status="failed" if failed else "succeeded",
            failure_code=failed[0] if failed else None,
            failure_message=failed[1] if failed else None,
            outcome={
                "type": "issuer_declined" if failed else "authorized",
                "network_status": "declined_by_network" if failed else "approved_by_network",
                "seller_message": "The bank did not return any further details with this decline."
                if failed
                else "Payment complete.",
            },
            payment_intent=pi["id"],
            payment_method=pm["id"],
            payment_method_details={"type": "card", "card": card},
            receipt_email=pi["receipt_email"],
            receipt_url=None,
            application_fee=None,
            application_fee_amount=None,
            transfer=None,
            transfer_data=copy.deepcopy(pi["transfer_data"]),
            transfer_group=pi["transfer_group"],
            on_behalf_of=pi["on_behalf_of"],
            destination=(pi["transfer_data"] or {}).get("destination"),
            disputed=False,
            balance_transaction=None,
            refunds=None,
        )
        charge["refunds"] = listing([], f"/v1/charges/{charge['id']}/refunds")
        pi["latest_charge"] = charge["id"]
        if failed:
            self.emit("charge.failed", charge)
        return charge

    def succeed(self, pi: dict) -> dict:
        charge = self.charge(pi)
        fee_amount = pi["application_fee_amount"]
        stripe_fee = round(pi["amount"] * 0.029) + 30
        txn = self.base(
            "txn",
            "balance_transaction",
            amount=pi["amount"],
            currency=pi["currency"],
            fee=stripe_fee,
            net=pi["amount"] - stripe_fee,
            source=charge["id"],
            status="available",
            type="charge",
            available_on=now(),
        )
        charge["balance_transaction"] = txn["id"]
        destination = (pi["transfer_data"] or {}).get("destination") or pi["on_behalf_of"]
        events: list[tuple[str, dict, str | None]] = []
        if fee_amount is not None and destination:
            fee = self.base(
                "fee",
                "application_fee",
                amount=fee_amount,
                amount_refunded=0,
                refunded=False,
                account=destination,
                application="ca_standin",
                charge=charge["id"],
                currency=pi["currency"],
                originating_transaction=None,
                balance_transaction=None,
                refunds=None,
            )
            fee["refunds"] = listing([], f"/v1/application_fees/{fee['id']}/refunds")
            charge["application_fee"] = fee["id"]
            charge["application_fee_amount"] = fee_amount
            events.append(("application_fee.created", fee, None))
        if pi["transfer_data"]:
            amount = pi["transfer_data"].get("amount", pi["amount"] - (fee_amount or 0))
            transfer = self.base(
                "tr",
                "transfer",
                amount=amount,
                amount_reversed=0,
                reversed=False,
                currency=pi["currency"],
                description=None,
                destination=pi["transfer_data"]["destination"],
                destination_payment=new_id("py"),
                source_transaction=charge["id"],
                source_type="card",
                transfer_group=pi["transfer_group"] or f"group_{pi['id']}",
                balance_transaction=None,
                reversals=None,
            )
            transfer["reversals"] = listing([], f"/v1/transfers/{transfer['id']}/reversals")
            charge["transfer"] = transfer["id"]
            events.append(("transfer.created", transfer, None))
        pi.update(status="succeeded", amount_received=pi["amount"], next_action=None)
        if pi["setup_future_usage"] and pi["customer"]:
            pm = self.objects["payment_methods"][pi["payment_method"]]
            if pm["customer"] is None:
                pm = self.attach(pm["id"], pi["customer"])
                pi["payment_method"] = charge["payment_method"] = pm["id"]
        self.emit("charge.succeeded", charge)
        self.emit("payment_intent.succeeded", pi)
        for kind, obj, account in events:
            self.emit(kind, obj, account)
        return pi

    def cancel(self, pi: dict, p: dict) -> dict:
        if pi["status"] in ("succeeded", "canceled"):
            raise invalid(
                f"You cannot cancel this PaymentIntent because it has a status of {pi['status']}."
                " Only a PaymentIntent with one of the following statuses may be canceled: "
                "requires_payment_method, requires_capture, requires_confirmation, "
                "requires_action, processing.",
                code="payment_intent_unexpected_state",
            )
        reason = p.get("cancellation_reason") or None
        pi.update(
            status="canceled", canceled_at=now(), cancellation_reason=reason, next_action=None
        )
        self.emit("payment_intent.canceled", pi)
        return pi

    # refunds

    def refund(self, p: dict, *, check: bool = True) -> dict:
        if check:
            check_params(p, REFUND_PARAMS)
        charge = self.refundable_charge(p)
        amount = as_int(p, "amount", minimum=1)
        remaining = charge["amount"] - charge["amount_refunded"]
        if remaining <= 0:
            raise invalid(
                f"Charge {charge['id']} has already been refunded.",
                code="charge_already_refunded",
            )
        if amount is None:
            amount = remaining
        if amount > remaining:
            raise invalid(
                f"Refund amount ({money(amount, charge['currency'])}) is greater than unrefunded "
                f"amount on charge ({money(remaining, charge['currency'])})",
                "amount",
                "amount_too_large",
            )
        reason = p.get("reason") or None
        if reason is not None and reason not in REFUND_REASONS:
            raise invalid(
                "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer",
                "reason",
            )
        open_dispute = [
            d
            for d in self.objects["disputes"].values()
            if d["charge"] == charge["id"] and d["status"] in ("needs_response", "under_review")
        ]
        if any(not d["is_charge_refundable"] for d in open_dispute):
            raise invalid(
                f"Charge {charge['id']} has been charged back; cannot issue a refund.",
                code="charge_disputed",
            )
        transfer = self.lookup(charge["transfer"]) if charge["transfer"] else None
        reverse = as_bool(p, "reverse_transfer")
        if reverse and transfer is None:
            raise invalid(
                "You cannot reverse the transfer of a charge that has no transfer.",
                "reverse_transfer",
            )
        refund = self.base(
            "re",
            "refund",
            amount=amount,
            balance_transaction=new_id("txn"),
            charge=charge["id"],
            payment_intent=charge["payment_intent"],
            currency=charge["currency"],
            reason=reason,
            status="succeeded",
            receipt_number=None,
            source_transfer_reversal=None,
            transfer_reversal=None,
            destination_details={"type": "card", "card": {"type": "refund"}},
        )
        merge_metadata(refund, p)
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
        charge["refunds"]["data"].insert(0, refund)
        charge["refunds"]["total_count"] += 1
        later: list[tuple[str, dict]] = []
        if reverse and transfer is not None:
            share = amount * transfer["amount"] // charge["amount"]
            share = min(share, transfer["amount"] - transfer["amount_reversed"])
            if share > 0:
                reversal = self.base(
                    "trr",
                    "transfer_reversal",
                    amount=share,
                    currency=transfer["currency"],
                    transfer=transfer["id"],
                    source_refund=refund["id"],
                    destination_payment_refund=new_id("pyr"),
                    balance_transaction=new_id("txn"),
                )
                transfer["amount_reversed"] += share
                transfer["reversed"] = transfer["amount_reversed"] >= transfer["amount"]
                transfer["reversals"]["data"].insert(0, reversal)
                transfer["reversals"]["total_count"] += 1
                refund["transfer_reversal"] = reversal["id"]
                later.append(("transfer.reversed", transfer))
        fee = self.lookup(charge["application_fee"]) if charge["application_fee"] else None
        if as_bool(p, "refund_application_fee") and fee is not None:
            share = amount * fee["amount"] // charge["amount"]
            share = min(share, fee["amount"] - fee["amount_refunded"])
            if share > 0:
                fee_refund = self.base(
                    "fr",
                    "fee_refund",
                    amount=share,
                    currency=fee["currency"],
                    fee=fee["id"],
                    balance_transaction=new_id("txn"),
                )
                fee["amount_refunded"] += share
                fee["refunded"] = fee["amount_refunded"] >= fee["amount"]
                fee["refunds"]["data"].insert(0, fee_refund)
                fee["refunds"]["total_count"] += 1
                later.append(("application_fee.refunded", fee))
        self.emit("charge.refunded", charge)
        self.emit("refund.created", refund)
        for kind, obj in later:
            self.emit(kind, obj)
        return refund

    def refundable_charge(self, p: dict) -> dict:
        if p.get("charge"):
            charge = self.get("charges", p["charge"], "charge", "charge")
            if p.get("payment_intent") and charge["payment_intent"] != p["payment_intent"]:
                raise invalid("The charge does not belong to that payment_intent.", "charge")
        elif p.get("payment_intent"):
            pi = self.get(
                "payment_intents", p["payment_intent"], "payment_intent", "payment_intent"
            )
            charge = self.lookup(pi["latest_charge"]) if pi["latest_charge"] else None
            if pi["status"] != "succeeded" or charge is None:
                raise invalid(
                    f"This PaymentIntent ({pi['id']}) does not have a successful charge to refund.",
                    "payment_intent",
                    "charge_not_refundable",
                )
        else:
            raise invalid(
                "One of the following params should be provided for this request: payment_intent "
                "or charge.",
                code="parameter_missing",
            )
        if charge["status"] != "succeeded":
            raise invalid(
                f"Charge {charge['id']} was not successful.", code="charge_not_refundable"
            )
        return charge

    # disputes and payouts

    def open_dispute(self, p: dict) -> dict:
        charge = self.refundable_charge({k: p[k] for k in ("charge", "payment_intent") if k in p})
        amount = as_int(p, "amount", minimum=1) or charge["amount"]
        reason = p.get("reason") or "fraudulent"
        if reason not in DISPUTE_REASONS:
            raise invalid(f"Invalid reason: {reason}", "reason")
        dispute = self.base(
            "dp",
            "dispute",
            amount=amount,
            charge=charge["id"],
            payment_intent=charge["payment_intent"],
            currency=charge["currency"],
            reason=reason,
            status="needs_response",
            is_charge_refundable=as_bool(p, "is_charge_refundable"),
            balance_transactions=[],
            evidence={},
            evidence_details={
                "due_by": now() + 7 * 86400,
                "has_evidence": False,
                "past_due": False,
                "submission_count": 0,
            },
        )
        charge["disputed"] = True
        self.emit("charge.dispute.created", dispute)
        self.emit("charge.dispute.funds_withdrawn", dispute)
        return dispute

    def close_dispute(self, dispute: dict, status: str) -> dict:
        if status not in ("won", "lost"):
            raise invalid("status must be won or lost", "status")
        if dispute["status"] in ("won", "lost"):
            raise invalid(f"Dispute {dispute['id']} is already closed.")
        dispute["status"] = status
        self.emit("charge.dispute.closed", dispute)
        if status == "won":
            self.emit("charge.dispute.funds_reinstated", dispute)
        return dispute

    def payout(self, p: dict) -> dict:
        account = self.get("accounts", p.get("account", ""), "account", "account")
        amount = as_int(p, "amount", minimum=1)
        if amount is None:
            raise invalid("Missing required param: amount.", "amount", "parameter_missing")
        payout = self.base(
            "po",
            "payout",
            amount=amount,
            currency=(p.get("currency") or "usd").lower(),
            arrival_date=now(),
            automatic=True,
            method="standard",
            type="bank_account",
            destination=new_id("ba"),
            status="paid",
            description="STRIPE PAYOUT",
            failure_code=None,
            failure_message=None,
        )
        self.emit("payout.paid", payout, account=account["id"])
        return payout


def money(amount: int, currency: str) -> str:
    symbol = {"usd": "$", "eur": "€", "gbp": "£"}.get(currency, "")
    return f"{symbol}{amount / 100:.2f}" if symbol else f"{amount} {currency}"


# --- routes ---------------------------------------------------------------------------------

ONBOARD_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Stand-in Stripe onboarding</title></head>
<body><h1>Onboarding {account}</h1>
<p>This page stands in for Stripe's hosted onboarding.</p>
<p><a id="complete" href="{complete}">Complete onboarding</a></p>
<p><a id="incomplete" href="{incomplete}">Leave incomplete</a></p>
</body></html>
"""


class Router:
    def __init__(self, stripe: Stripe) -> None:
        self.s = stripe
        s = stripe
        pi = s.get_pi
        self.api: list[tuple[str, re.Pattern, Any]] = [
            ("POST", r"/v1/accounts", lambda p, c: s.create_account(p, c)),
            ("GET", r"/v1/accounts/([^/]+)", lambda p, c, i: s.get("accounts", i, "account")),
            ("POST", r"/v1/accounts/([^/]+)", self.update_account),
            ("POST", r"/v1/account_links", lambda p, c: s.create_account_link(p, c)),
            ("POST", r"/v1/customers", lambda p, c: s.create_customer(p)),
            ("GET", r"/v1/customers/([^/]+)", lambda p, c, i: s.get("customers", i, "customer")),
            ("POST", r"/v1/customers/([^/]+)", self.update_customer),
            ("GET", r"/v1/payment_methods", self.list_payment_methods),
            ("GET", r"/v1/payment_methods/([^/]+)", lambda p, c, i: s.payment_method(i, "id")),
            ("POST", r"/v1/payment_methods/([^/]+)/attach", self.attach),
            ("POST", r"/v1/payment_methods/([^/]+)/detach", self.detach),
            ("POST", r"/v1/payment_intents", lambda p, c: s.create_payment_intent(p, c)),
            ("GET", r"/v1/payment_intents/([^/]+)", lambda p, c, i: pi(i)),
            ("POST", r"/v1/payment_intents/([^/]+)", self.update_pi),
            ("POST", r"/v1/payment_intents/([^/]+)/confirm", self.confirm),
            ("POST", r"/v1/payment_intents/([^/]+)/cancel", lambda p, c, i: s.cancel(pi(i), p)),
            ("POST", r"/v1/refunds", lambda p, c: s.refund(p)),
            ("GET", r"/v1/refunds", self.list_refunds),
            ("GET", r"/v1/refunds/([^/]+)", lambda p, c, i: s.get("refunds", i, "refund")),
            ("GET", r"/v1/charges/([^/]+)", lambda p, c, i: s.get("charges", i, "charge")),
            ("GET", r"/v1/transfers/([^/]+)", lambda p, c, i: s.get("transfers", i, "transfer")),
            ("GET", r"/v1/application_fees/([^/]+)", self.getter("application_fees", "fee")),
            ("GET", r"/v1/disputes/([^/]+)", lambda p, c, i: s.get("disputes", i, "dispute")),
            ("POST", r"/v1/disputes/([^/]+)/close", self.accept_dispute),
            ("GET", r"/v1/payouts/([^/]+)", lambda p, c, i: s.get("payouts", i, "payout")),
            ("GET", r"/v1/balance_transactions/(\w+)", self.getter("balance_transactions", "txn")),
            ("GET", r"/v1/events", self.list_events),
            ("GET", r"/v1/events/([^/]+)", lambda p, c, i: s.get("events", i, "event")),
        ]  # fmt: skip
        self.controls: list[tuple[str, re.Pattern, Any]] = [
            ("GET", r"/_standin/onboard/([^/]+)", self.onboard_page),
            ("GET", r"/_standin/onboard/([^/]+)/(complete|incomplete)", self.onboard),
            ("POST", r"/_standin/accounts/([^/]+)", lambda p, c, i: s.set_account(i, p)),
            ("POST", r"/_standin/payment_intents/([^/]+)/authenticate", self.authenticate),
            ("POST", r"/_standin/charges/([^/]+)/refund", self.dashboard_refund),
            ("POST", r"/_standin/disputes", lambda p, c: s.open_dispute(p)),
            ("POST", r"/_standin/disputes/([^/]+)/close", self.close_dispute),
            ("POST", r"/_standin/payouts", lambda p, c: s.payout(p)),
            ("POST", r"/_standin/fail", self.fail),
            ("POST", r"/_standin/delay", self.delay),
            ("POST", r"/_standin/reset", self.reset),
            ("GET", r"/_standin/webhooks", self.list_webhooks),
            ("POST", r"/_standin/webhooks", self.add_webhook),
            ("POST", r"/_standin/webhooks/pause", self.pause),
            ("POST", r"/_standin/webhooks/resume", self.resume),
            ("POST", r"/_standin/deliver", self.deliver),
            ("GET", r"/_standin/deliveries", self.deliveries),
            ("POST", r"/_standin/events/([^/]+)/resend", self.resend),
        ]  # fmt: skip
        self.api = [(m, re.compile(pat), f) for m, pat, f in self.api]
        self.controls = [(m, re.compile(pat), f) for m, pat, f in self.controls]

    def route(self, table, method: str, path: str):
        known = False
        for verb, pattern, handler in table:
            match = pattern.fullmatch(path)
            if match:
                known = True
                if verb == method:
                    return handler, match.groups()
        verb = "unsupported method" if known else "unrecognized request URL"
        raise StripeError(404, f"Unrecognized request URL ({method}: {path}). ({verb})")

    # /v1 helpers

    def getter(self, kind: str, short: str):
        noun = {"fee": "application fee", "txn": "balance transaction"}[short]
        return lambda p, c, ident: self.s.get(kind, ident, noun)

    def update_pi(self, p, c, ident):
        return self.s.update_payment_intent(self.s.get_pi(ident), p)

    def accept_dispute(self, p, c, ident):
        return self.s.close_dispute(self.s.get("disputes", ident, "dispute"), "lost")

    def authenticate(self, p, c, ident):
        return self.s.authenticate(self.s.get_pi(ident), p.get("outcome", "complete"))

    def close_dispute(self, p, c, ident):
        return self.s.close_dispute(self.s.get("disputes", ident, "dispute"), p.get("status", ""))

    def list_webhooks(self, p, c):
        return listing([e.describe() for e in self.s.endpoints], "/_standin/webhooks")

    def update_account(self, p, c, ident):
        check_params(p, {"email", "metadata", "business_profile", "settings"})
        account = self.s.get("accounts", ident, "account")
        if "email" in p:
            account["email"] = p["email"] or None
        merge_metadata(account, p)
        return account

    def update_customer(self, p, c, ident):
        customer = self.s.get("customers", ident, "customer")
        for name in ("email", "name", "description", "phone"):
            if name in p:
                customer[name] = p[name] or None
        settings = as_dict(p, "invoice_settings")
        if "default_payment_method" in settings:
            customer["invoice_settings"]["default_payment_method"] = (
                settings["default_payment_method"] or None
            )
        merge_metadata(customer, p)
        return customer

    def list_payment_methods(self, p, c):
        if not p.get("customer"):
            raise invalid("Missing required param: customer.", "customer", "parameter_missing")
        self.s.get("customers", p["customer"], "customer", "customer")
        found = [
            pm
            for pm in self.s.objects["payment_methods"].values()
            if pm["customer"] == p["customer"] and pm["type"] == p.get("type", "card")
        ]
        found.sort(key=lambda pm: pm["created"], reverse=True)
        return listing(found, "/v1/payment_methods")

    def attach(self, p, c, ident):
        if not p.get("customer"):
            raise invalid("Missing required param: customer.", "customer", "parameter_missing")
        return self.s.attach(ident, p["customer"])

    def detach(self, p, c, ident):
        pm = self.s.payment_method(ident, "id")
        if not pm["customer"]:
            raise invalid(
                "The payment method you provided is not attached to a customer so detachment is "
                "impossible.",
                code="payment_method_unexpected_state",
            )
        pm["customer"] = None
        self.s.emit("payment_method.detached", pm)
        return pm

    def confirm(self, p, c, ident):
        check_params(p, CONFIRM_PARAMS)
        return self.s.confirm(self.s.get_pi(ident), p)

    def list_refunds(self, p, c):
        data = [
            r
            for r in self.s.objects["refunds"].values()
            if all(r[k] == p[k] for k in ("charge", "payment_intent") if p.get(k))
        ]
        return listing(sorted(data, key=lambda r: r["created"], reverse=True), "/v1/refunds")

    def list_events(self, p, c):
        events = list(reversed(self.s.events))
        if c.get("account"):
            events = [e for e in events if e.get("account") == c["account"]]
        if p.get("type"):
            pattern = re.compile(re.escape(p["type"]).replace(r"\*", ".*"))
            events = [e for e in events if pattern.fullmatch(e["type"])]
        if p.get("starting_after"):
            ids = [e["id"] for e in events]
            if p["starting_after"] in ids:
                events = events[ids.index(p["starting_after"]) + 1 :]
        limit = as_int(p, "limit", minimum=1) or 10
        result = listing(events[: min(limit, 100)], "/v1/events")
        result["has_more"] = len(events) > limit
        del result["total_count"]
        return result

    # controls

    def onboard_page(self, p, c, ident):
        self.s.get("accounts", ident, "account")
        query = urllib.parse.urlencode({"return_url": p.get("return_url", "")})
        base = f"/_standin/onboard/{urllib.parse.quote(ident)}"
        page = ONBOARD_PAGE.format(
            account=html.escape(ident),
            complete=html.escape(f"{base}/complete?{query}"),
            incomplete=html.escape(f"{base}/incomplete?{query}"),
        )
        return Response(200, page, "text/html; charset=utf-8")

    def onboard(self, p, c, ident, outcome):
        self.s.onboard(ident, outcome == "complete")
        if p.get("return_url"):
            return redirect(p["return_url"])
        return Response(200, f"Onboarding {outcome}.\n", "text/plain")

    def dashboard_refund(self, p, c, ident):
        key = "payment_intent" if ident.startswith("pi_") else "charge"
        return self.s.refund({**p, key: ident}, check=False)

    def fail(self, p, c):
        status = as_int(p, "status", minimum=400) or 500
        rule = {"path": p.get("path", "/v1"), "status": status, "count": as_int(p, "count") or 1}
        self.s.failures.append(rule)
        return rule

    def delay(self, p, c):
        self.s.delay = float(p.get("seconds") or 0)
        return {"delay": self.s.delay}

    def reset(self, p, c):
        self.s.reset()
        return {"reset": True}

    def add_webhook(self, p, c):
        if not p.get("url"):
            raise invalid("Missing required param: url.", "url", "parameter_missing")
        secret = p.get("secret") or f"whsec_{secrets.token_hex(16)}"
        enabled = p.get("enabled_events") or ["*"]
        if isinstance(enabled, str):
            enabled = enabled.split(",")
        return self.s.add_endpoint(p["url"], secret, as_bool(p, "connect"), enabled).describe()

    def pause(self, p, c):
        self.s.paused = True
        return {"paused": True, "held": len(self.s.held)}

    def resume(self, p, c):
        self.s.paused = False
        return {"paused": False, "released": self.s.release(reverse=False)}

    def deliver(self, p, c):
        order = p.get("order", "forward")
        if order not in ("forward", "reverse"):
            raise invalid("order must be forward or reverse", "order")
        return {"paused": self.s.paused, "released": self.s.release(reverse=order == "reverse")}

    def deliveries(self, p, c):
        data = [
            d
            for d in self.s.deliveries
            if all(d[k] == p[k] for k in ("event", "type", "endpoint") if p.get(k))
        ]
        result = listing(data, "/_standin/deliveries")
        result.update(pending=self.s.in_flight, held=len(self.s.held), paused=self.s.paused)
        return result

    def resend(self, p, c, ident):
        event = self.s.get("events", ident, "event")
        timestamp = as_int(p, "timestamp")
        targets = [e for e in self.s.endpoints if e.wants(event)]
        for endpoint in targets:
            self.s.send(endpoint, event, timestamp)
        return {"event": ident, "endpoints": [e.id for e in targets], "timestamp": timestamp}


# --- HTTP -----------------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    server_version = "StripeStandin/1.0"
    router: Router  # set on the subclass `serve` makes

    def log_message(self, format, *args):  # quiet; the tests read state, not logs
        pass

    def do_GET(self):
        self.handle_request("GET")

    def do_POST(self):
        self.handle_request("POST")

    def do_DELETE(self):
        self.handle_request("DELETE")

    def handle_request(self, method: str) -> None:
        url = urllib.parse.urlsplit(self.path)
        try:
            params = self.read_params(url.query)
            if url.path.startswith("/v1/"):
                response = self.api(method, url.path, params)
            elif url.path.startswith("/_standin/"):
                with self.router.s.lock:
                    handler, args = self.router.route(self.router.controls, method, url.path)
                    result = handler(params, self.context(), *args)
                    response = result if isinstance(result, Response) else Response(200, result)
                    response.body = copy.deepcopy(response.body)
            else:
                raise StripeError(404, f"Unrecognized request URL ({method}: {url.path}).")
        except StripeError as error:
            response = Response(error.status, error.body)
        except Exception as error:  # an answer in Stripe's shape, not a dropped connection
            response = Response(
                500, {"error": {"type": "api_error", "message": f"stand-in bug: {error!r}"}}
            )
        self.answer(response)

    def read_params(self, query: str) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        params = parse_form(query)
        if body and self.headers.get("Content-Type", "").startswith("application/json"):
            params.update({k: v for k, v in json.loads(body).items()})
        elif body:
            params.update(parse_form(body))
        self.raw_body = body
        return params

    def context(self) -> dict:
        return {
            "base_url": f"http://{self.headers.get('Host', '127.0.0.1')}",
            "account": self.headers.get("Stripe-Account"),
        }

    def api(self, method: str, path: str, params: dict) -> Response:
        s = self.router.s
        auth = self.headers.get("Authorization", "")
        key = auth.removeprefix("Bearer ").strip()
        if not auth.startswith("Bearer ") or not key.startswith("sk_"):
            raise StripeError(
                401,
                "Invalid API Key provided: " + (key[:8] + "***" if key else "(none)"),
                code=None,
            )
        if s.delay:
            time.sleep(s.delay)
        request_id = new_id("req")
        idempotency_key = self.headers.get("Idempotency-Key") if method == "POST" else None
        with s.lock:
            for rule in s.failures:
                if rule["count"] > 0 and path.startswith(rule["path"]):
                    rule["count"] -= 1
                    body = {
                        "error": {
                            "type": "api_error",
                            "message": f"Injected failure ({rule['status']}) by the stand-in.",
                        }
                    }
                    return Response(rule["status"], body, headers={"Request-Id": request_id})
            fingerprint = f"{method} {path} {self.raw_body}"
            if idempotency_key and idempotency_key in s.idempotency:
                first, status, body = s.idempotency[idempotency_key]
                if first != fingerprint:
                    raise StripeError(
                        400,
                        "Keys for idempotent requests can only be used with the same parameters "
                        "they were first used with. Try using a key other than "
                        f"'{idempotency_key}' if you meant to execute a different request.",
                        type="idempotency_error",
                    )
                headers = {"Idempotent-Replayed": "true", "Request-Id": request_id}
                return Response(status, copy.deepcopy(body), headers=headers)
            s.local.request_id, s.local.idempotency_key = request_id, idempotency_key
            try:
                handler, args = self.router.route(self.router.api, method, path)
                result = handler(params, self.context(), *args)
                response = result if isinstance(result, Response) else Response(200, result)
                if isinstance(response.body, dict) and "expand" in params:
                    response.body = s.expand(response.body, as_list(params, "expand"))
                else:
                    response.body = copy.deepcopy(response.body)
            except StripeError as error:
                response = Response(error.status, error.body)
            finally:
                s.local.request_id = s.local.idempotency_key = None
            if idempotency_key and response.status < 500:
                s.idempotency[idempotency_key] = (fingerprint, response.status, response.body)
            response.headers["Request-Id"] = request_id
            if idempotency_key:
                response.headers["Idempotency-Key"] = idempotency_key
            return response

    def answer(self, response: Response) -> None:
        if isinstance(response.body, str):
            data = response.body.encode()
        else:
            data = json.dumps(response.body, indent=2).encode()
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Stripe-Version", API_VERSION)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


def make_server(host: str, port: int) -> ThreadingHTTPServer:
    router = Router(Stripe())
    handler = type("BoundHandler", (Handler,), {"router": router})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
