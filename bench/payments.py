"""Card payments (issue 11): PaymentIntent overhead, webhook throughput, orders/s paid by card.

Goals from the issue, on PostgreSQL with localstripe (the offline Stripe server, started here on
loopback) as Stripe, each next to a baseline measured in the same run:
- pay step to PaymentIntent created, server time p95 (the pay page's POST through the whole
  middleware stack: lock the order, record the attempt, create + confirm the PaymentIntent, read
  the card, mark the order paid) minus localstripe's own p95 for a bare PaymentIntent create with
  the same parameters: our overhead ≤ 30 ms;
- ≥ 200 verified webhook events/s handled end to end (signed POST to the webhook view: signature
  check, queued, then the handler applying it: the order paid, its downloads issued, its email
  queued), 2 processes × 2 threads on 2 cores; baseline: the same handler without the signature
  check or HTTP, on the same kind of events;
- ≥ 20 orders/s sustained paid by card (order placed, PaymentIntent created and confirmed, the
  webhook delivered and verified), 2 processes × 4 threads; baseline: placing the same orders
  without paying, in the same run. Stripe is the stand-in (tests/stripe_standin) here, on the
  same 2 cores: localstripe rewrites its whole store to disk on each write and slows to a few
  PaymentIntents a second as it grows.

Tasks go to the database queue (as in production); the bench does not run a worker, so the
queued emails and download files are not made here (the commerce and gallery benches measure
those). Photos are rows without files: paying issues grants but renders nothing.

Knobs: BENCH_PAYMENTS_INTENTS (200 per side), BENCH_PAYMENTS_EVENTS (1500 per side),
BENCH_PAYMENTS_LOAD_S (20 s per loop), BENCH_DATABASE_URL.
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.pg import postgres_database, redacted

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WEBHOOK_SECRET = "whsec_bench"  # noqa: S105 (the bench's own localstripe)
OVERHEAD_P95_MS = 30
EVENTS_PER_S = 200
ORDERS_PER_S = 20
PROCESSES = 2
EVENT_THREADS = 2
LOAD_THREADS = 4


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _stats(values: list[float]) -> dict:
    if not values:
        return {"p50": 0.0, "p95": 0.0, "n": 0}
    return {"p50": statistics.median(values), "p95": _percentile(values, 0.95), "n": len(values)}


def run() -> dict:
    import psycopg

    from tests.support import free_port, stop_process, wait_for_port

    config = {
        "intents": int(os.environ.get("BENCH_PAYMENTS_INTENTS", "200")),
        "events": int(os.environ.get("BENCH_PAYMENTS_EVENTS", "1500")),
        "load_seconds": float(os.environ.get("BENCH_PAYMENTS_LOAD_S", "20")),
        "processes": PROCESSES,
    }
    try:
        with postgres_database("proofsheet_bench_payments") as (url, note):
            print(f"PostgreSQL: {redacted(url)} ({note})", flush=True)
            psycopg.connect(url, connect_timeout=5).close()
            with tempfile.TemporaryDirectory(prefix="proofsheet-bench-payments-") as tmp:
                port = free_port()
                stripe_server = subprocess.Popen(
                    [str(BIN / "localstripe"), "--port", str(port), "--from-scratch"],
                    cwd=tmp,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                standin_port = free_port()
                standin = subprocess.Popen(
                    [sys.executable, "-m", "tests.stripe_standin", "--port", str(standin_port)],
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                try:
                    wait_for_port(port, process=stripe_server)
                    wait_for_port(standin_port, process=standin)
                    env = _instance_env(Path(tmp) / "var", url, f"http://127.0.0.1:{port}")
                    env["BENCH_STANDIN_URL"] = f"http://127.0.0.1:{standin_port}"
                    subprocess.run(
                        [str(BIN / "proofsheet"), "manage", "migrate", "--noinput", "-v", "0"],
                        cwd=ROOT,
                        env=env,
                        check=True,
                    )
                    result = subprocess.run(
                        [sys.executable, "-m", "bench.payments", "--driver", json.dumps(config)],
                        env=env,
                        cwd=ROOT,
                        check=True,
                        stdout=subprocess.PIPE,
                        text=True,
                    )
                finally:
                    stop_process(stripe_server)
                    stop_process(standin)
            measured = json.loads(result.stdout.strip().splitlines()[-1])
            measured["database_note"] = {"url": redacted(url), "note": note}
    except psycopg.OperationalError as exc:
        reason = "PostgreSQL unreachable: " + " ".join(str(exc).split())
        print(f"payments: skipped ({reason})", flush=True)
        return _skipped(config, reason)
    except subprocess.CalledProcessError as exc:
        reason = f"the payments driver failed: {exc}"
        print(f"payments: skipped ({reason})", flush=True)
        return _skipped(config, reason)
    return _summarise(config, measured)


def _instance_env(var: Path, database_url: str, stripe_base: str) -> dict[str, str]:
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    env |= {
        "PROOFSHEET_ENV": "development",
        "PROOFSHEET_VAR_DIR": str(var),
        "PROOFSHEET_DOTENV": "/nonexistent",
        "SECRET_KEY": "bench-" + secrets.token_hex(25),
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "TASK_BACKEND": "database",
        "BREACHED_PASSWORD_BACKEND": "none",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LOG_LEVEL": "WARNING",
        "STRIPE_SECRET_KEY": "sk_test_bench",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_bench",
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": stripe_base,
        "STRIPE_JS_URL": f"{stripe_base}/js.stripe.com/v3/",
        "STRIPE_ELEMENT": "card",
        "STRIPE_AUTOMATIC_METHODS": "false",
        "STRIPE_MAX_RETRIES": "0",
        "MALLOC_ARENA_MAX": "2",
        "PYTHONUNBUFFERED": "1",
    }
    return env


def _skipped(config: dict, reason: str) -> dict:
    goals = [
        f"PaymentIntent overhead p95 ≤ {OVERHEAD_P95_MS} ms over localstripe's",
        f"≥ {EVENTS_PER_S} verified webhook events/s",
        f"≥ {ORDERS_PER_S} orders/s paid by card",
    ]
    return {
        "config": config,
        "skipped": reason,
        "goals": [{"goal": g, "met": False, "detail": f"not measured: {reason}"} for g in goals],
    }


def _summarise(config: dict, m: dict) -> dict:
    ours, bare = m["intent"]["ours"], m["intent"]["bare"]
    overhead = ours["p95"] - bare["p95"]
    ev, ld = m["events"], m["load"]
    goals = [
        {
            "goal": f"pay step to PaymentIntent: our overhead p95 ≤ {OVERHEAD_P95_MS} ms over "
            "localstripe's bare PaymentIntent create",
            "met": overhead <= OVERHEAD_P95_MS,
            "detail": f"ours p95 {ours['p95']:.1f} ms, localstripe bare create p95 "
            f"{bare['p95']:.1f} ms → overhead {overhead:.1f} ms (p50 {ours['p50']:.1f} vs "
            f"{bare['p50']:.1f})",
        },
        {
            "goal": f"≥ {EVENTS_PER_S} verified webhook events/s handled end to end",
            "met": ev["verified"]["per_s"] >= EVENTS_PER_S,
            "detail": f"{ev['verified']['per_s']:.0f}/s verified over HTTP + handled (each pays "
            f"an order); baseline (handler alone, no signature, no HTTP) "
            f"{ev['handler']['per_s']:.0f}/s; verified and queued only (what Stripe waits for) "
            f"{ev['received']['per_s']:.0f}/s; errors {ev['verified']['errors']}",
        },
        {
            "goal": f"≥ {ORDERS_PER_S} orders/s sustained paid by card (PaymentIntent + webhook)",
            "met": ld["card"]["per_s"] >= ORDERS_PER_S,
            "detail": f"{ld['card']['per_s']:.1f}/s paid by card; baseline placing only "
            f"{ld['placed']['per_s']:.1f}/s; errors {ld['card']['errors']}",
        },
    ]
    tables = [
        {
            "title": "payments (PostgreSQL, localstripe on the same cores)",
            "columns": ["measure", "ours", "baseline"],
            "rows": [
                [
                    "pay step p50 / p95 ms",
                    f"{ours['p50']:.1f} / {ours['p95']:.1f}",
                    f"{bare['p50']:.1f} / {bare['p95']:.1f} (bare create)",
                ],
                [
                    "webhook events/s",
                    f"{ev['verified']['per_s']:.0f}",
                    f"{ev['handler']['per_s']:.0f} (handler alone)",
                ],
                [
                    "orders/s",
                    f"{ld['card']['per_s']:.1f} (card)",
                    f"{ld['placed']['per_s']:.1f} (placed only)",
                ],
            ],
        }
    ]
    return {"config": config, "measured": m, "goals": goals, "tables": tables}


# --- the driver (runs inside the temporary instance) -------------------------------------------


def _log(message: str) -> None:
    print(f"  payments: {message}", file=sys.stderr, flush=True)


class _Fixture:
    pass


def _fixture():
    from proofsheet.accounts.services import user_create
    from proofsheet.galleries import services
    from proofsheet.galleries.models import Photo, PhotoStatus, Visibility

    f = _Fixture()
    f.seller, _ = user_create(
        email=f"bench-{secrets.token_hex(4)}@example.test", role="photographer"
    )
    f.gallery = services.gallery_create(
        owner=f.seller, title="Payments bench", visibility=Visibility.PUBLIC
    )
    f.photo = Photo.objects.create(
        gallery=f.gallery,
        owner=f.seller,
        original_key="originals/bench/none.jpg",
        original_name="none.jpg",
        sha256="0" * 64,
        size=1,
        format="jpeg",
        status=PhotoStatus.READY,
    )
    return f


def _place(f, provider: str = "stripe"):
    from decimal import Decimal

    from proofsheet.orders.services import LineSpec, Totals, order_create
    from proofsheet.payments.services import payment_start

    price = Decimal("12.50")
    order = order_create(
        seller=f.seller,
        email="buyer@example.test",
        currency="EUR",
        lines=[
            LineSpec(
                product_name="Full-resolution download",
                kind="digital",
                quantity=1,
                unit_price=price,
                total=price,
                photo_id=f.photo.pk,
                resolution="full",
                licence="personal",
            )
        ],
        customer=None,
        totals=Totals(
            subtotal=price,
            discount_total=Decimal(0),
            shipping_total=Decimal(0),
            tax_total=Decimal(0),
            total=price,
        ),
        payment_provider=provider,
    )
    payment_start(order)
    return order


def _card(client) -> str:
    """The browser's part (Stripe.js): a PaymentMethod for a good test card."""
    return client.v1.payment_methods.create(
        {
            "type": "card",
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"},
        }
    ).id


def _signed(event: dict) -> tuple[bytes, str]:
    import hashlib
    import hmac

    body = json.dumps(event).encode()
    timestamp = int(time.time())
    signature = hmac.new(
        WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return body, f"t={timestamp},v1={signature}"


def _succeeded_event(order, reference: str) -> dict:
    return {
        "id": f"evt_{secrets.token_hex(8)}",
        "object": "event",
        "type": "payment_intent.succeeded",
        "data": {
            "object": {
                "id": reference,
                "object": "payment_intent",
                "status": "succeeded",
                "amount": 1250,
                "currency": "eur",
                "metadata": {"order": str(order.public_id)},
            }
        },
    }


def _intent(f, rounds: int) -> dict:
    """Our pay step (HTTP POST) and localstripe's bare create, interleaved in halves."""
    from django.test import Client

    from proofsheet.orders.services import order_access_token
    from proofsheet.payments.providers import get_provider

    client = get_provider("stripe").client
    http = Client(SERVER_NAME="127.0.0.1")
    ours, bare = [], []
    for half in range(4):
        orders = [(_place(f), _card(client)) for _ in range(rounds // 2)]
        if half % 2 == 0:
            for order, method in orders:
                path = f"/orders/{order_access_token(order)}/pay/"
                started = time.perf_counter()
                response = http.post(path, {"payment_method": method})
                ours.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200 or response.json()["status"] != "succeeded":
                    raise RuntimeError(
                        f"pay step failed: {response.status_code} {response.content}"
                    )
        else:
            for order, method in orders:
                params = {
                    "amount": 1250,
                    "currency": "eur",
                    "metadata": {"order": str(order.public_id), "order_number": order.number},
                    "payment_method": method,
                    "confirm": True,
                    "payment_method_types": ["card"],
                }
                started = time.perf_counter()
                client.v1.payment_intents.create(params)
                bare.append((time.perf_counter() - started) * 1000)
    return {"ours": _stats(ours[5:]), "bare": _stats(bare[5:])}


def _in_processes(work, processes: int) -> list[dict]:
    import multiprocessing

    from django.db import connections

    from proofsheet.payments.providers import providers_forget

    connections.close_all()
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    start = context.Barrier(processes)

    def child(n: int) -> None:
        providers_forget()  # a forked child must not share the parent's HTTP connections
        start.wait()
        results.put(work(n))

    children = [context.Process(target=child, args=(n,)) for n in range(processes)]
    for process in children:
        process.start()
    runs = [results.get() for _ in children]
    for process in children:
        process.join()
    return runs


def _threads(count: int, step, until) -> dict:
    """`count` threads calling step(tid, n) until until() is true; done, errors, elapsed."""
    from django.db import connection

    done, errors = [0], [0]
    lock = threading.Lock()
    barrier = threading.Barrier(count + 1)

    def worker(tid: int) -> None:
        n = 0
        try:
            barrier.wait()
            while not until(tid, n):
                try:
                    step(tid, n)
                    with lock:
                        done[0] += 1
                except Exception:  # counted and reported
                    with lock:
                        errors[0] += 1
                n += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(count)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.monotonic()
    for thread in threads:
        thread.join()
    return {"done": done[0], "errors": errors[0], "elapsed_s": time.monotonic() - started}


def _events(f, count: int) -> dict:
    """Events paying pending orders: signed over HTTP then handled, vs the handler alone."""
    from django.test import Client

    from proofsheet.payments import cards
    from proofsheet.payments.models import Payment
    from proofsheet.payments.providers.base import ProviderEvent

    out = {}
    for mode in ("handler", "received", "verified", "handler", "received", "verified"):
        per_thread = count // (PROCESSES * EVENT_THREADS * 2)
        prepared = []
        for _ in range(per_thread * PROCESSES * EVENT_THREADS):
            order = _place(f)
            reference = f"pi_bench_{secrets.token_hex(8)}"
            Payment.objects.filter(order=order).update(reference=reference)
            prepared.append(_succeeded_event(order, reference))
        signed = [_signed(event) for event in prepared]

        def work(
            process: int, mode=mode, prepared=prepared, signed=signed, per_thread=per_thread
        ) -> dict:
            http = Client(SERVER_NAME="127.0.0.1")

            def step(tid: int, n: int) -> None:
                index = (process * EVENT_THREADS + tid) * per_thread + n
                if mode in ("received", "verified"):
                    body, header = signed[index]
                    response = http.post(
                        "/payments/webhook/stripe/",
                        data=body,
                        content_type="application/json",
                        HTTP_STRIPE_SIGNATURE=header,
                    )
                    if response.status_code != 200:
                        raise RuntimeError(response.status_code)
                    if mode == "received":
                        return  # verified, queued, answered: what Stripe waits for
                    # The worker's part, as it runs the queued task.
                    event = prepared[index]
                    outcome = cards.event_handle(
                        "stripe",
                        ProviderEvent(event["id"], event["type"], event["data"]["object"]),
                    )
                else:
                    event = prepared[index]
                    outcome = cards.event_handle(
                        "stripe",
                        ProviderEvent(event["id"], event["type"], event["data"]["object"]),
                    )
                if outcome != "paid":
                    raise RuntimeError(outcome)

            return _threads(EVENT_THREADS, step, lambda tid, n: n >= per_thread)

        runs = _in_processes(work, PROCESSES)
        done = sum(r["done"] for r in runs)
        elapsed = max(r["elapsed_s"] for r in runs)
        previous = out.get(mode, {"done": 0, "elapsed_s": 0.0, "errors": 0})
        out[mode] = {
            "done": previous["done"] + done,
            "elapsed_s": previous["elapsed_s"] + elapsed,
            "errors": previous["errors"] + sum(r["errors"] for r in runs),
        }
        _log(f"events {mode}: {done} in {elapsed:.1f} s")
    for mode in out:
        out[mode]["per_s"] = out[mode]["done"] / out[mode]["elapsed_s"]
    return out


def _load(f, seconds: float) -> dict:
    """Orders paid by card (place, pay step, webhook) vs orders placed only.

    Stripe is the test suite's stand-in here, not localstripe: localstripe pickles its whole
    store to disk on every write, so its own rate falls below 5 PaymentIntents/s within a
    minute and would measure nothing of ours."""
    from django.conf import settings
    from django.test import Client

    from proofsheet.orders.services import order_access_token
    from proofsheet.payments.providers import providers_forget

    settings.PAYMENT_PROVIDERS["stripe"]["OPTIONS"]["api_base"] = os.environ["BENCH_STANDIN_URL"]
    providers_forget()
    out = {}
    for mode in ("placed", "card", "card", "placed"):

        def work(process: int, mode=mode) -> dict:
            http = Client(SERVER_NAME="127.0.0.1")
            stop_at = time.monotonic() + seconds / 2

            def step(tid: int, n: int) -> None:
                order = _place(f, "stripe" if mode == "card" else "offline")
                if mode == "placed":
                    return
                response = http.post(
                    f"/orders/{order_access_token(order)}/pay/",
                    {"payment_method": "pm_card_visa"},  # the stand-in's test card
                )
                if response.status_code != 200:
                    raise RuntimeError(response.status_code)
                payment = order.payments.get(status="succeeded")
                body, header = _signed(_succeeded_event(order, payment.reference))
                delivered = http.post(
                    "/payments/webhook/stripe/",
                    data=body,
                    content_type="application/json",
                    HTTP_STRIPE_SIGNATURE=header,
                )
                if delivered.status_code != 200:
                    raise RuntimeError(delivered.status_code)

            return _threads(
                LOAD_THREADS,
                step,
                lambda tid, n: time.monotonic() >= stop_at,
            )

        runs = _in_processes(work, PROCESSES)
        done = sum(r["done"] for r in runs)
        elapsed = max(r["elapsed_s"] for r in runs)
        previous = out.get(mode, {"done": 0, "elapsed_s": 0.0, "errors": 0})
        out[mode] = {
            "done": previous["done"] + done,
            "elapsed_s": previous["elapsed_s"] + elapsed,
            "errors": previous["errors"] + sum(r["errors"] for r in runs),
        }
        _log(f"load {mode}: {done} in {elapsed:.1f} s")
    for mode in out:
        out[mode]["per_s"] = out[mode]["done"] / out[mode]["elapsed_s"]
    return out


def _driver(config: dict) -> dict:
    import django

    django.setup()
    import logging

    from django.db import connection

    logging.getLogger("django.tasks").setLevel(logging.WARNING)
    logging.getLogger("stripe").setLevel(logging.WARNING)
    f = _fixture()
    intent = _intent(f, config["intents"])
    _log(f"pay step p95 {intent['ours']['p95']:.1f} ms, bare {intent['bare']['p95']:.1f} ms")
    events = _events(f, config["events"])
    load = _load(f, config["load_seconds"])
    return {
        "vendor": connection.vendor,
        "version": str(connection.pg_version),
        "intent": intent,
        "events": events,
        "load": load,
    }


if __name__ == "__main__" and sys.argv[1:2] == ["--driver"]:
    outcome = _driver(json.loads(sys.argv[2]))
    print(json.dumps(outcome, default=str))
