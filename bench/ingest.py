"""Ingest benchmark: real workers processing camera-like 24 MP photos.

Measures, in one run:
- latency: with an idle queue, the time from "upload finished" (photo_ingest returned) to "ready";
- throughput: N photos queued, then W real `proofsheet worker` processes started; photos per
  minute until the last is ready — against a baseline of the same files through a bare
  `pyvips.Image.thumbnail(path, 1600)` to JPEG in W processes;
- memory: every worker's RSS sampled through the run (peak, and growth from 10 % to the end).

The driver runs in a subprocess with its own temporary instance (SQLite by default,
BENCH_DATABASE_URL for PostgreSQL). BENCH_INGEST_PHOTOS (default 500) and BENCH_WORKERS
(default 2) size the run.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _unique_copy(source: Path, target: Path, n: int) -> None:
    """Copy a JPEG with a COM segment after SOI, so every copy has its own content hash."""
    data = source.read_bytes()
    comment = f"proofsheet bench copy {n}".encode()
    segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
    target.write_bytes(data[:2] + segment + data[2:])


def _bare_thumbnail(path: str) -> float:
    import pyvips

    started = time.process_time()
    pyvips.Image.thumbnail(path, 1600).jpegsave_buffer(Q=82)
    return time.process_time() - started


def _instance_env(var: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(
        PROOFSHEET_ENV="development",
        PROOFSHEET_VAR_DIR=str(var),
        PROOFSHEET_DOTENV="/nonexistent",
        SECRET_KEY="bench-" + "x" * 50,
        TASK_BACKEND="database",
        DATABASE_URL=os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{var / 'bench.sqlite3'}"),
        BREACHED_PASSWORD_BACKEND="none",  # noqa: S106  (a backend name, not a password)
        DJANGO_SETTINGS_MODULE="config.settings",
        VIPS_CONCURRENCY="1",
        MALLOC_ARENA_MAX="2",
        LOG_LEVEL="WARNING",
    )
    return env


def run() -> dict:
    from bench import corpus

    photos = int(os.environ.get("BENCH_INGEST_PHOTOS", "500"))
    workers = int(os.environ.get("BENCH_WORKERS", "2"))
    sources = [f.path for f in corpus.build() if not f.recipe.progressive]
    with tempfile.TemporaryDirectory(prefix="proofsheet-bench-ingest-") as tmp:
        var = Path(tmp) / "var"
        inputs = Path(tmp) / "in"
        inputs.mkdir(parents=True)
        env = _instance_env(var)
        subprocess.run(
            [str(BIN / "proofsheet"), "manage", "migrate", "--noinput", "-v", "0"],
            env=env,
            cwd=ROOT,
            check=True,
        )
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.ingest",
                "--driver",
                str(inputs),
                str(photos),
                str(workers),
                *map(str, sources),
            ],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        measured = json.loads(result.stdout.strip().splitlines()[-1])
        # Baseline: the same files, bare thumbnail, W processes.
        files = sorted(inputs.glob("*.jpg"))[:photos]
        started = time.monotonic()
        with ProcessPoolExecutor(max_workers=workers) as pool:
            list(pool.map(_bare_thumbnail, map(str, files), chunksize=4))
        baseline_per_minute = len(files) / (time.monotonic() - started) * 60
    throughput = measured["throughput_per_minute"]
    p95 = measured["latency_p95_s"]
    peak = measured["peak_rss_mb"]
    growth = measured["rss_growth_pct"]
    goals = [
        {
            "goal": "throughput ≥ 200 photos/minute",
            "met": throughput >= 200,
            "detail": f"{throughput:.0f}/min with {workers} workers "
            f"(bare thumbnail baseline {baseline_per_minute:.0f}/min, "
            f"ratio {throughput / baseline_per_minute:.2f})",
        },
        {
            "goal": "p95 upload finished → ready ≤ 5 s (idle queue)",
            "met": p95 <= 5,
            "detail": f"p50 {measured['latency_p50_s']:.2f} s, p95 {p95:.2f} s",
        },
        {
            "goal": "peak RSS per worker ≤ 400 MB",
            "met": peak <= 400,
            "detail": f"peak {peak:.0f} MB",
        },
        {
            "goal": f"no RSS growth over {photos} photos (≤ 10 %)",
            "met": growth <= 10,
            "detail": f"{growth:+.1f} % from 10 % of the run to the end",
        },
    ]
    return {
        "config": {
            "photos": photos,
            "workers": workers,
            "sources": [p.name for p in sources],
            "database": "PostgreSQL" if "BENCH_DATABASE_URL" in os.environ else "SQLite",
        },
        "measured": measured,
        "baseline_per_minute": baseline_per_minute,
        "goals": goals,
        "tables": [
            {
                "title": "ingest",
                "columns": ["measure", "value"],
                "rows": [
                    ["throughput (photos/min)", f"{throughput:.0f}"],
                    ["bare thumbnail baseline (photos/min)", f"{baseline_per_minute:.0f}"],
                    ["latency p50 / p95 (s)", f"{measured['latency_p50_s']:.2f} / {p95:.2f}"],
                    ["peak RSS per worker (MB)", f"{peak:.0f}"],
                    ["RSS growth 10 %→end", f"{growth:+.1f} %"],
                ],
            }
        ],
    }


# --- the driver (runs inside the temporary instance) -----------------------------------------


def _driver(inputs: Path, photos: int, workers: int, sources: list[Path]) -> dict:
    import django

    django.setup()
    import psutil

    from proofsheet.accounts.services import user_create
    from proofsheet.galleries import services
    from proofsheet.galleries.models import Photo, PhotoStatus

    user, _ = user_create(email="bench@example.test", role="photographer")
    gallery = services.gallery_create(owner=user, title="Bench")
    copies = []
    for n in range(photos + 20):
        target = inputs / f"{n:05d}.jpg"
        _unique_copy(sources[n % len(sources)], target, n)
        copies.append(target)

    def start_workers() -> list[subprocess.Popen]:
        return [
            subprocess.Popen([str(BIN / "proofsheet"), "worker", "--interval", "0.05"], cwd=ROOT)
            for _ in range(workers)
        ]

    def wait_ready(ids: list, timeout: float = 1800) -> float:
        deadline = time.monotonic() + timeout
        pending = [PhotoStatus.UPLOADED, PhotoStatus.PROCESSING]
        while Photo.objects.filter(public_id__in=ids, status__in=pending).exists():
            if time.monotonic() > deadline:
                raise TimeoutError("photos did not become ready")
            time.sleep(0.02)
        return time.monotonic()

    # Latency with an idle queue: one photo at a time.
    procs = start_workers()
    time.sleep(1.5)
    latencies = []
    for path in copies[photos:]:
        result = services.photo_ingest(
            gallery=gallery, owner=user, source=path, original_name=path.name
        )
        finished = time.monotonic()
        latencies.append(wait_ready([result.photo.public_id]) - finished)
    for proc in procs:
        proc.terminate()
        proc.wait()

    # Throughput: queue everything, then let the workers loose; sample their memory.
    ids = [
        services.photo_ingest(
            gallery=gallery, owner=user, source=path, original_name=path.name
        ).photo.public_id
        for path in copies[:photos]
    ]
    procs = start_workers()
    started = time.monotonic()
    samples: list[tuple[float, float]] = []  # (done fraction, max RSS MB over workers)
    pending = [PhotoStatus.UPLOADED, PhotoStatus.PROCESSING]
    handles = [psutil.Process(p.pid) for p in procs]
    while True:
        left = Photo.objects.filter(public_id__in=ids, status__in=pending).count()
        rss = max(h.memory_info().rss for h in handles) / 2**20
        samples.append(((photos - left) / photos, rss))
        if left == 0:
            break
        time.sleep(0.1)
    elapsed = time.monotonic() - started
    for proc in procs:
        proc.terminate()
        proc.wait()
    failed = Photo.objects.filter(public_id__in=ids, status=PhotoStatus.FAILED).count()
    early = [rss for done, rss in samples if 0.1 <= done <= 0.2] or [samples[0][1]]
    late = [rss for done, rss in samples if done >= 0.9] or [samples[-1][1]]
    return {
        "throughput_per_minute": photos / elapsed * 60,
        "elapsed_s": elapsed,
        "failed": failed,
        "latency_p50_s": statistics.median(latencies),
        "latency_p95_s": _percentile(latencies, 0.95),
        "latencies_s": latencies,
        "peak_rss_mb": max(rss for _, rss in samples),
        "rss_early_mb": max(early),
        "rss_late_mb": max(late),
        "rss_growth_pct": (max(late) - max(early)) / max(early) * 100,
    }


if __name__ == "__main__" and sys.argv[1:2] == ["--driver"]:
    inputs_dir, count, worker_count, *source_paths = sys.argv[2:]
    outcome = _driver(
        Path(inputs_dir), int(count), int(worker_count), list(map(Path, source_paths))
    )
    print(json.dumps(outcome))
