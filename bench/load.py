"""Closed-loop HTTP load against 127.0.0.1: `wrk` when installed, else a small Python client.

Closed loop (each connection sends its next request when the previous answer arrives) measures
saturation throughput, which is what a server comparison needs. It under-reports tail latency
under overload (coordinated omission), so p95 here is for comparing servers, not for SLOs.
"""

from __future__ import annotations

import http.client
import json
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import threading
import time

# Prints one JSON line at the end of a wrk run; wrk's own report has no p95.
_WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %.1f, "p95_us": %.1f, "p99_us": %.1f, '
    .. '"socket_errors": %d, "http_errors": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def can_pin() -> bool:
    """Pinning needs taskset and both CPU 0 and CPU 1 available to us."""
    return (
        shutil.which("taskset") is not None
        and hasattr(os, "sched_getaffinity")
        and {0, 1} <= os.sched_getaffinity(0)
    )


def pinned(cpu: int, cmd: list[str]) -> list[str]:
    return ["taskset", "-c", str(cpu), *cmd] if can_pin() else cmd


def generator() -> str:
    """`wrk` unless absent or BENCH_LOADGEN=python."""
    wanted = os.environ.get("BENCH_LOADGEN", "wrk")
    return "wrk" if wanted == "wrk" and shutil.which("wrk") else "python"


def closed_loop(port: int, path: str, seconds: float, connections: int, cpu: int = 1) -> dict:
    """Saturate http://127.0.0.1:<port><path> for `seconds`; the client runs on CPU `cpu`.

    Returns rps, p50/p95/p99 latency (ms), request and error counts, and the client's own CPU
    use in cores (if it nears 1.0 the client, not the server, was the bottleneck).
    """
    run = _wrk if generator() == "wrk" else _python
    return run(port, path, seconds, connections, cpu)


def _wrk(port: int, path: str, seconds: float, connections: int, cpu: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(_WRK_SCRIPT)
        script.flush()
        # One wrk thread is plenty for 8 connections; wrk takes whole seconds only.
        duration = f"-d{max(1, round(seconds))}s"
        cmd = ["wrk", "-t1", f"-c{connections}", duration, "-s", script.name]
        cmd.append(f"http://127.0.0.1:{port}{path}")
        # wrk is our only child that ends during the run, so RUSAGE_CHILDREN's delta is its CPU.
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run(pinned(cpu, cmd), capture_output=True, text=True, check=True).stdout
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    stats = json.loads(next(line for line in out.splitlines() if line.startswith("{")))
    wall = stats["duration_us"] / 1e6
    cpu_used = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {
        "rps": stats["requests"] / wall,
        "p50_ms": stats["p50_us"] / 1000,
        "p95_ms": stats["p95_us"] / 1000,
        "p99_ms": stats["p99_us"] / 1000,
        "requests": stats["requests"],
        "errors": stats["socket_errors"] + stats["http_errors"],
        "seconds": wall,
        "loadgen_cpu": cpu_used / wall,
    }


def _python(port: int, path: str, seconds: float, connections: int, cpu: int) -> dict:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def connection(deadline: float) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine, failed = [], 0
        while (start := time.perf_counter()) < deadline:
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                failed += 1
                conn.close()  # the next request reconnects
                continue
            mine.append(time.perf_counter() - start)
            failed += response.status >= 400  # same rule as wrk's status errors
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += failed

    # Threads inherit the creating thread's affinity, so pin this thread while starting them.
    previous = os.sched_getaffinity(0) if can_pin() else None
    if previous is not None:
        os.sched_setaffinity(0, {cpu})
    try:
        cpu_start, started = time.process_time(), time.perf_counter()
        threads = [
            threading.Thread(target=connection, args=(started + seconds,))
            for _ in range(connections)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        cpu_used = time.process_time() - cpu_start
    finally:
        if previous is not None:
            os.sched_setaffinity(0, previous)
    cuts = statistics.quantiles(latencies, n=100, method="inclusive") if latencies else [0.0] * 99
    return {
        "rps": len(latencies) / wall,
        "p50_ms": cuts[49] * 1000,
        "p95_ms": cuts[94] * 1000,
        "p99_ms": cuts[98] * 1000,
        "requests": len(latencies),
        "errors": errors,
        "seconds": wall,
        "loadgen_cpu": cpu_used / wall,
    }
