"""Image pipeline cost against bare libvips, same run (BENCHMARKS.md §3: IMG-4, IMG-6, IMG-7).

Three measurements on the generated camera-like corpus (bench/corpus.py), each in a fresh worker
process with one libvips thread (VIPS_CONCURRENCY=1), the operation cache off and
MALLOC_ARENA_MAX=2, pinned to CPU 0 when possible:

1. CPU time per 24 MP photo of `render_photo` (the whole rendition set, watermarked preview)
   against a bare `Image.thumbnail(path, 1600).jpegsave_buffer()` of the same file, interleaved
   A/B then B/A by round. Goal: ≤ 1.8×.
2. A progressive 24 MP JPEG against its baseline twin (same pixels) through `render_photo`.
   Goal: ≤ 5× the time and ≤ 300 MB peak RSS (published unguarded figures: 16× and 50×).
3. A worker rendering N photos in a row (cycling through the corpus, progressive files
   included): peak RSS (goal ≤ 400 MB) and RSS growth from photo 100 (N/3 for short runs) to N,
   each the median over one pass through the corpus (goal ≤ 10 %: no leak, no creep).

BENCH_IMAGING_ROUNDS (default 15) and BENCH_IMAGING_RENDERS (default 150) make a bigger run.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
from pathlib import Path

from bench import corpus, load

ROOT = Path(__file__).resolve().parent.parent
RATIO_GOAL, PROGRESSIVE_GOAL = 1.8, 5.0
PROGRESSIVE_RSS_GOAL_MB, WORKER_RSS_GOAL_MB, GROWTH_GOAL = 300, 400, 0.10
WATERMARK_TEXT = "© Proofsheet Bench Studio"
WORKER_ENV = {
    "VIPS_CONCURRENCY": "1",
    "OMP_NUM_THREADS": "1",
    "MALLOC_ARENA_MAX": "2",
    "PYTHONPATH": str(ROOT),
}


def run() -> dict:
    rounds = int(os.environ.get("BENCH_IMAGING_ROUNDS", "15"))
    renders = int(os.environ.get("BENCH_IMAGING_RENDERS", "150"))
    files = corpus.build()
    by_name = {item.recipe.name: str(item.path) for item in files}
    plain = [str(item.path) for item in files if not item.recipe.progressive]
    pairs = [
        (str(item.path), by_name[item.recipe.name.removesuffix("_progressive")])
        for item in files
        if item.recipe.progressive
    ]
    print(f"corpus: {len(files)} files in {corpus.CACHE.relative_to(ROOT)}", flush=True)

    timing = _worker("timing", {"files": plain, "pairs": pairs, "rounds": rounds})
    progressive, baseline = pairs[0]
    peaks = {
        label: _worker("peak", {"file": path, "what": what})["peak_rss_mb"]
        for label, path, what in [
            ("render progressive", progressive, "render"),
            ("render baseline twin", baseline, "render"),
            ("bare progressive", progressive, "bare"),
            ("bare baseline twin", baseline, "bare"),
        ]
    }
    print("peak RSS measured", flush=True)
    mix = [str(item.path) for item in files]
    soak = _worker("soak", {"files": mix, "renders": renders})
    print("soak done", flush=True)
    return _summarise(files, timing, peaks, soak, rounds, renders)


def _worker(mode: str, args: dict) -> dict:
    """Run one measurement in a fresh, pinned process and return its JSON result."""
    env = {**os.environ, **WORKER_ENV}
    command = load.pinned(0, [sys.executable, "-m", "bench.imaging", mode, json.dumps(args)])
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"imaging worker {mode} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- inside the worker process -------------------------------------------------------------


def _setup():
    import pyvips

    pyvips.cache_set_max(0)
    pyvips.concurrency_set(1)
    from proofsheet.imaging.pipeline import Watermark, render_photo

    watermark = Watermark(text=WATERMARK_TEXT)

    def render(path: str) -> None:
        render_photo(Path(path), watermark=watermark)

    def bare(path: str) -> None:
        pyvips.Image.thumbnail(path, 1600).jpegsave_buffer()

    return render, bare


def _cpu(fn, path: str) -> float:
    import time

    started = time.process_time()
    fn(path)
    return time.process_time() - started


def _timing(files: list[str], pairs: list[list[str]], rounds: int) -> dict:
    render, bare = _setup()
    for path in files[:1] + [p for pair in pairs for p in pair]:  # warm code paths and caches
        render(path)
        bare(path)
    plain = {path: {"render": [], "bare": []} for path in files}
    progressive = {pair[0]: {"progressive": [], "baseline": []} for pair in pairs}
    for n in range(rounds):
        flip = n % 2 == 1  # A/B in even rounds, B/A in odd ones
        for path in files:
            order = [("bare", bare), ("render", render)]
            for label, fn in reversed(order) if flip else order:
                plain[path][label].append(_cpu(fn, path))
        for prog, twin in pairs:
            order = [("progressive", prog), ("baseline", twin)]
            for label, path in reversed(order) if flip else order:
                progressive[prog][label].append(_cpu(render, path))
        print(f"round {n + 1}/{rounds}", file=sys.stderr, flush=True)
    return {"plain": plain, "progressive": progressive, "avif": _avif(files[0])}


def _avif(path: str, repeats: int = 5) -> dict:
    """What AVIF would add per photo: encode the 1600 px preview at efforts 0-2 (not shipped)."""
    import pyvips

    from proofsheet.imaging.pipeline import WEBP_EFFORT, WEBP_QUALITY

    preview = pyvips.Image.thumbnail(path, 1600).copy_memory()
    webp = len(preview.webpsave_buffer(Q=WEBP_QUALITY, effort=WEBP_EFFORT, keep=0))
    result = {}
    for effort in (0, 1, 2):

        def encode(_: str, effort: int = effort) -> bytes:
            return preview.heifsave_buffer(compression="av1", Q=50, effort=effort, keep=0)

        times = [_cpu(encode, path) for _ in range(repeats)]
        result[str(effort)] = {"ms": statistics.median(times) * 1000, "bytes": len(encode(path))}
    result["webp_bytes"] = webp
    return result


def _peak(file: str, what: str) -> dict:
    render, bare = _setup()
    (render if what == "render" else bare)(file)
    return {"peak_rss_mb": _peak_rss_mb()}


def _soak(files: list[str], renders: int) -> dict:
    render, _ = _setup()
    rss = []
    for n in range(renders):
        render(files[n % len(files)])
        rss.append(_rss_mb())
    return {"rss_mb": rss, "peak_rss_mb": _peak_rss_mb()}


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- summary --------------------------------------------------------------------------------


def _ratio_ci(candidate: list[float], baseline: list[float], n: int = 2000) -> list[float]:
    """95 % bootstrap interval of median(candidate) / median(baseline), resampling rounds."""
    rng = random.Random(0)
    ratios = sorted(
        statistics.median(rng.choices(candidate, k=len(candidate)))
        / statistics.median(rng.choices(baseline, k=len(baseline)))
        for _ in range(n)
    )
    return [ratios[int(0.025 * n)], ratios[int(0.975 * n) - 1]]


def _per_round(samples: dict, label: str, rounds: int) -> list[float]:
    """Sum one side over every photo, round by round: one number per round."""
    return [sum(s[label][i] for s in samples.values()) for i in range(rounds)]


def _ratio(samples: dict, candidate: str, baseline: str, rounds: int) -> dict:
    """Ratio of medians of per-round totals, with its bootstrap interval."""
    ours, theirs = _per_round(samples, candidate, rounds), _per_round(samples, baseline, rounds)
    return {
        "value": statistics.median(ours) / statistics.median(theirs),
        "ci95": _ratio_ci(ours, theirs),
        "per_round": [a / b for a, b in zip(ours, theirs, strict=True)],
    }


def _rows(samples: dict, names: dict, candidate: str, baseline: str) -> list[list[str]]:
    rows = []
    for path, s in samples.items():
        ours, theirs = statistics.median(s[candidate]), statistics.median(s[baseline])
        rows.append(
            [names[path], f"{theirs * 1000:.0f}", f"{ours * 1000:.0f}", f"{ours / theirs:.2f}"]
        )
    return rows


def _avif_rows(avif: dict, plain: dict) -> list[list[str]]:
    bare = statistics.median(next(iter(plain.values()))["bare"]) * 1000
    return [
        [
            effort,
            f"{avif[effort]['ms']:.0f}",
            f"{avif[effort]['ms'] / bare:.0%}",
            f"{avif[effort]['bytes'] / avif['webp_bytes']:.2f}",
        ]
        for effort in ("0", "1", "2")
    ]


def _summarise(files, timing: dict, peaks: dict, soak: dict, rounds: int, renders: int) -> dict:
    import pyvips

    names = {str(item.path): item.recipe.name for item in files}
    plain, progressive = timing["plain"], timing["progressive"]
    cost = _ratio(plain, "render", "bare", rounds)
    prog = _ratio(progressive, "progressive", "baseline", rounds)
    rss = soak["rss_mb"]
    # RSS swings by ±20 % with the photo just rendered (glibc hands memory back in bursts), so
    # compare medians over one pass through the corpus, ending at photo `start` and at photo N.
    start = 100 if renders >= 150 else max(len(files), renders // 3)
    window = len(files)
    before = statistics.median(rss[start - window : start])
    after = statistics.median(rss[-window:])
    growth = (after - before) / before
    ci = lambda r: f"{r['value']:.2f}× (95 % CI {r['ci95'][0]:.2f}–{r['ci95'][1]:.2f})"  # noqa: E731
    goals = [
        {
            "goal": f"render_photo ≤ {RATIO_GOAL}× bare thumbnail CPU per 24 MP photo",
            "met": cost["value"] <= RATIO_GOAL,
            "detail": ci(cost),
        },
        {
            "goal": f"progressive 24 MP ≤ {PROGRESSIVE_GOAL:g}× its baseline twin (CPU)",
            "met": prog["value"] <= PROGRESSIVE_GOAL,
            "detail": ci(prog),
        },
        {
            "goal": f"progressive 24 MP render peak RSS ≤ {PROGRESSIVE_RSS_GOAL_MB} MB",
            "met": peaks["render progressive"] <= PROGRESSIVE_RSS_GOAL_MB,
            "detail": f"{peaks['render progressive']:.0f} MB "
            f"(baseline twin {peaks['render baseline twin']:.0f} MB)",
        },
        {
            "goal": f"worker rendering {renders} photos peaks ≤ {WORKER_RSS_GOAL_MB} MB RSS",
            "met": soak["peak_rss_mb"] <= WORKER_RSS_GOAL_MB,
            "detail": f"{soak['peak_rss_mb']:.0f} MB",
        },
        {
            "goal": f"RSS growth from photo {start} to {renders} ≤ {GROWTH_GOAL:.0%}",
            "met": growth <= GROWTH_GOAL,
            "detail": f"median of {window} renders {before:.0f} MB → {after:.0f} MB "
            f"({growth:+.1%})",
        },
    ]
    return {
        "config": {
            "rounds": rounds,
            "renders": renders,
            "worker_env": {k: v for k, v in WORKER_ENV.items() if k != "PYTHONPATH"},
            "pinned": "CPU 0" if load.can_pin() else "not pinned",
            "watermark": WATERMARK_TEXT,
            "libvips": ".".join(str(pyvips.version(i)) for i in range(3)),
            "corpus": [
                {"name": item.recipe.name, "bytes_per_pixel": round(item.bytes_per_pixel, 3)}
                for item in files
            ],
        },
        "samples": {"plain": plain, "progressive": progressive, "soak_rss_mb": rss},
        "avif_not_produced": timing["avif"],
        "ratios": {"render_vs_bare": cost, "progressive_vs_baseline": prog},
        "peak_rss_mb": {**peaks, "worker": soak["peak_rss_mb"]},
        "goals": goals,
        "tables": [
            {
                "title": f"CPU ms per photo, median of {rounds} interleaved rounds, 1 thread",
                "columns": ["photo", "bare thumbnail", "render_photo", "ratio"],
                "rows": _rows(plain, names, "render", "bare"),
            },
            {
                "title": "progressive vs its baseline twin, render_photo CPU ms",
                "columns": ["photo", "baseline twin", "progressive", "ratio"],
                "rows": _rows(progressive, names, "progressive", "baseline"),
            },
            {
                "title": "AVIF for the 1600 px preview (not produced: it would not fit the budget)",
                "columns": ["effort", "CPU ms", "% of bare thumbnail", "bytes / WebP (q50 vs q78)"],
                "rows": _avif_rows(timing["avif"], plain),
            },
            {
                "title": "peak RSS, one photo per fresh process (MB)",
                "columns": ["case", "peak RSS"],
                "rows": [[k, f"{v:.0f}"] for k, v in peaks.items()],
            },
        ],
    }


def _main(argv: list[str]) -> None:
    mode, args = argv[0], json.loads(argv[1])
    result = {"timing": _timing, "peak": _peak, "soak": _soak}[mode](**args)
    print(json.dumps(result))


if __name__ == "__main__":
    _main(sys.argv[1:])
