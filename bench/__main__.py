"""Run benchmark suites, write bench-results/<suite>.json and print a summary table.

A suite is a module `bench.<name>` with `run() -> dict`. The dict may hold anything JSON-able
(config, samples, medians, ratios); two keys have a meaning here:
  "goals":  [{"goal": str, "met": bool, "detail": str}, ...]
  "tables": [{"title": str, "columns": [...], "rows": [[...], ...]}, ...]  (printed, not saved)
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

SUITES = ["web", "imaging", "ingest", "gallery", "commerce", "payments"]
ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench-results"


def _command_output(*cmd: str) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT).stdout
    except OSError:
        return ""


def environment() -> dict:
    """What a reader needs to judge whether two result files are comparable at all."""
    import django

    lscpu = dict(
        line.split(":", 1) for line in _command_output("lscpu").splitlines() if ":" in line
    )
    flags = lscpu.get("Flags", "").split()
    return {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "django": django.get_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "cpu_affinity": sorted(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else None,
        "cpu_model": lscpu.get("Model name", "").strip() or None,
        "cpu_flags": sorted(f for f in flags if f == "avx2" or f.startswith("avx512")),
        "git_commit": _command_output("git", "rev-parse", "HEAD").strip() or None,
        "git_dirty": bool(_command_output("git", "status", "--porcelain").strip()),
    }


def _print_table(table: dict) -> None:
    rows = [[str(cell) for cell in row] for row in table["rows"]]
    columns = [str(c) for c in table["columns"]]
    widths = [max(len(r[i]) for r in [columns, *rows]) for i in range(len(columns))]
    print(f"\n### {table['title']}\n")
    for i, row in enumerate([columns, *rows]):
        print("| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |")
        if i == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")


def _raise_on_sigterm(signum, frame):
    # Turn SIGTERM into an exception so every suite's `finally` stops the servers it started.
    raise SystemExit(128 + signum)


def main(argv: list[str]) -> int:
    names = argv or SUITES
    unknown = [name for name in names if name not in SUITES]
    if unknown:
        print(
            f"unknown suite(s): {', '.join(unknown)}; known: {', '.join(SUITES)}", file=sys.stderr
        )
        return 2
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    RESULTS.mkdir(exist_ok=True)
    env = environment()
    passed = failed = 0
    for name in names:
        started = time.monotonic()
        result = importlib.import_module(f"bench.{name}").run()
        result["duration_s"] = round(time.monotonic() - started, 1)
        tables = result.pop("tables", [])
        path = RESULTS / f"{name}.json"
        path.write_text(json.dumps({"suite": name, "environment": env, **result}, indent=2) + "\n")

        print(f"\n## {name} ({result['duration_s']} s, {path.relative_to(ROOT)})")
        for table in tables:
            _print_table(table)
        print()
        for goal in result.get("goals", []):
            print(f"- {'MET' if goal['met'] else 'NOT MET'}: {goal['goal']} ({goal['detail']})")
            passed += goal["met"]
            failed += not goal["met"]
    # The last line is for CI to read (BENCHMARKS.md §7); goals not met do not fail the run.
    print(f"\n{passed} passed, {failed} failed")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        # Suites have already stopped their servers on the way out; no traceback needed.
        print("\ninterrupted", file=sys.stderr)
        sys.exit(130)
