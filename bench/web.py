"""Web server choice (BENCHMARKS.md §4, WEB-2): granian vs gunicorn on the real app, same run.

DESIGN.md leaves the production server open ("granian or gunicorn — choose by measurement").
Both get the same budget: one process, four request threads, pinned to CPU 0, while the load
generator runs on CPU 1, so req/s is req/s per server core. Rounds alternate the servers
(granian, gunicorn, granian, …) and each round starts a fresh server, so drift in the shared
machine and any start-up luck spread over both sides instead of favouring one.
"""

from __future__ import annotations

import contextlib
import http.client
import importlib.metadata
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil

from bench import load

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
APP = "config.wsgi:application"
CANDIDATE, BASELINE = "granian", "gunicorn"
SERVERS = {
    "granian": lambda port: [
        str(BIN / "granian"),
        *("--interface", "wsgi", "--workers", "1", "--blocking-threads", "4", "--no-ws"),
        *("--host", "127.0.0.1", "--port", str(port), APP),
    ],
    # --threads > 1 selects gunicorn's gthread worker, the like-for-like match for granian's pool.
    # No control socket: it would be written to ~/.gunicorn and shared between concurrent runs.
    "gunicorn": lambda port: [
        str(BIN / "gunicorn"),
        *("-w", "1", "--threads", "4", "-b", f"127.0.0.1:{port}", "--no-control-socket", APP),
    ],
}
ENDPOINTS = ["/healthz", "/"]  # no database; a full template render
CONNECTIONS = 8  # twice the threads, so neither server ever idles waiting for a request
WARMUP_S = 1.0
GOAL = f"{CANDIDATE} ≥ 1.0× {BASELINE} req/s on both endpoints"


def run() -> dict:
    rounds = int(os.environ.get("BENCH_ROUNDS", "5"))
    seconds = float(os.environ.get("BENCH_SECONDS", "8"))
    if not (ROOT / "frontend" / "dist" / "proofsheet.js").exists():
        raise SystemExit("frontend/dist is missing: run `npm run build` (or `make bench`)")
    if not load.can_pin():
        print("warning: cannot pin to CPUs 0 and 1; server and client will share cores")

    samples: dict = {server: {path: [] for path in ENDPOINTS} for server in SERVERS}
    with tempfile.TemporaryDirectory(prefix="proofsheet-bench-") as tmp:
        env = _prepare_site(Path(tmp))
        for n in range(1, rounds + 1):
            for server in (CANDIDATE, BASELINE):
                with _serving(server, env, Path(tmp)) as (process, port):
                    for path in ENDPOINTS:
                        samples[server][path].append(_measure(process, port, path, seconds))
                progress = ", ".join(
                    f"{path} {samples[server][path][-1]['rps']:.0f} req/s" for path in ENDPOINTS
                )
                print(f"round {n}/{rounds} {server}: {progress}", flush=True)
    return _summarise(samples, rounds, seconds)


def _measure(process: psutil.Process, port: int, path: str, seconds: float) -> dict:
    # The warm-up fills Django's URL, template and connection caches before we count.
    load.closed_loop(port, path, WARMUP_S, CONNECTIONS)
    cpu_before = _cpu_seconds(process)
    sample = load.closed_loop(port, path, seconds, CONNECTIONS)
    # Near 1.0 means the server saturated its core, so req/s is its capacity, not the client's.
    sample["server_cpu"] = (_cpu_seconds(process) - cpu_before) / sample["seconds"]
    return sample


def _prepare_site(tmp: Path) -> dict:
    """A throwaway var dir and SQLite database, migrated, with static files collected."""
    # Start from a near-empty environment so nothing in the developer's shell (.env, S3, cache,
    # DEBUG) changes what is measured; both servers see exactly this.
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    env |= {
        "PROOFSHEET_ENV": "development",
        "PROOFSHEET_VAR_DIR": str(tmp),
        "PROOFSHEET_DOTENV": "/nonexistent",
        "SECRET_KEY": secrets.token_urlsafe(48)[:50],
        "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
        "DEBUG": "false",
    }
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run(
            [str(BIN / "proofsheet"), "manage", *command, "-v", "0"], cwd=ROOT, env=env, check=True
        )
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def _serving(name: str, env: dict, tmp: Path) -> Iterator[tuple[psutil.Process, int]]:
    """Run one server on CPU 0 and always stop it, whatever happens in the `with` body."""
    port = _free_port()
    log_path = tmp / f"{name}.log"
    with log_path.open("ab") as log:
        # Its own session: Ctrl-C reaches only us, and we stop the server (and its workers) as a
        # group in `finally`, so nothing outlives the benchmark.
        process = subprocess.Popen(
            load.pinned(0, SERVERS[name](port)),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_ready(process, port, log_path)
            yield psutil.Process(process.pid), port
        finally:
            _stop(process)


def _wait_ready(process: subprocess.Popen, port: int, log_path: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log_path.read_text()}")
        with contextlib.suppress(OSError):
            if all(_get_status(port, path) == 200 for path in ENDPOINTS):
                return
        time.sleep(0.1)
    raise RuntimeError(f"server not ready after {timeout} s:\n{log_path.read_text()}")


def _get_status(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def _stop(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    # Workers left behind by a leader that died first are still in its process group.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def _cpu_seconds(process: psutil.Process) -> float:
    """CPU time of the server and its workers (granian and gunicorn both fork one)."""
    total = 0.0
    for proc in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = proc.cpu_times()
            total += times.user + times.system
    return total


def _ratio_ci(candidate: list[float], baseline: list[float], n: int = 2000) -> list[float]:
    """95 % bootstrap interval of median(candidate) / median(baseline), resampling rounds."""
    rng = random.Random(0)  # seeded so the same samples always give the same interval
    ratios = sorted(
        statistics.median(rng.choices(candidate, k=len(candidate)))
        / statistics.median(rng.choices(baseline, k=len(baseline)))
        for _ in range(n)
    )
    return [ratios[int(0.025 * n)], ratios[int(0.975 * n) - 1]]


def _summarise(samples: dict, rounds: int, seconds: float) -> dict:
    fields = ("rps", "p50_ms", "p95_ms", "server_cpu", "loadgen_cpu")
    medians = {
        server: {
            path: {field: statistics.median(s[field] for s in runs) for field in fields}
            for path, runs in by_path.items()
        }
        for server, by_path in samples.items()
    }
    errors = sum(
        s["errors"] for by_path in samples.values() for runs in by_path.values() for s in runs
    )
    ratios = {}
    for path in ENDPOINTS:
        candidate = [s["rps"] for s in samples[CANDIDATE][path]]
        baseline = [s["rps"] for s in samples[BASELINE][path]]
        ratios[path] = {
            "rps_ratio": medians[CANDIDATE][path]["rps"] / medians[BASELINE][path]["rps"],
            "ci95": _ratio_ci(candidate, baseline),
            "per_round": [c / b for c, b in zip(candidate, baseline, strict=True)],
        }
    met = errors == 0 and all(r["rps_ratio"] >= 1.0 for r in ratios.values())
    detail = "; ".join(
        f"{path} {r['rps_ratio']:.2f}× (95 % CI {r['ci95'][0]:.2f}–{r['ci95'][1]:.2f})"
        for path, r in ratios.items()
    )
    if errors:
        detail += f"; {errors} failed requests, so the comparison is void"

    rows = [
        [
            server,
            path,
            f"{m['rps']:.0f}",
            f"{m['p50_ms']:.2f}",
            f"{m['p95_ms']:.2f}",
            f"{m['server_cpu']:.2f}",
            f"{m['loadgen_cpu']:.2f}",
        ]
        for path in ENDPOINTS
        for server in SERVERS
        for m in [medians[server][path]]
    ]
    ratio_rows = [
        [
            path,
            f"{r['rps_ratio']:.3f}",
            f"{r['ci95'][0]:.3f}–{r['ci95'][1]:.3f}",
            " ".join(f"{x:.2f}" for x in r["per_round"]),
        ]
        for path, r in ratios.items()
    ]
    return {
        "config": {
            "servers": {name: command("PORT") for name, command in SERVERS.items()},
            "endpoints": ENDPOINTS,
            "rounds": rounds,
            "seconds_per_sample": seconds,
            "warmup_seconds": WARMUP_S,
            "connections": CONNECTIONS,
            "loadgen": load.generator(),
            "pinned": "server CPU 0, load generator CPU 1" if load.can_pin() else "not pinned",
            "versions": {pkg: importlib.metadata.version(pkg) for pkg in ("granian", "gunicorn")},
        },
        "samples": samples,
        "medians": medians,
        "ratios": ratios,
        "goals": [{"goal": GOAL, "met": met, "detail": detail}],
        "tables": [
            {
                "title": f"medians of {rounds} rounds × {seconds:g} s, {CONNECTIONS} connections",
                "columns": [
                    "server",
                    "endpoint",
                    "req/s",
                    "p50 ms",
                    "p95 ms",
                    "server CPU",
                    "client CPU",
                ],
                "rows": rows,
            },
            {
                "title": f"{CANDIDATE}/{BASELINE} req/s",
                "columns": ["endpoint", "ratio of medians", "95 % CI", "per round"],
                "rows": ratio_rows,
            },
        ],
    }
