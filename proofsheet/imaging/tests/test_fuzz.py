"""Mutated camera photos: every outcome is a rendition set or a RejectedImage, nothing else."""

from __future__ import annotations

import random
import time
from collections import Counter
from pathlib import Path

from proofsheet.imaging.tests.support import PHOTOS, inspect_and_render_outcome

MUTATIONS = 200
BUDGET_SECONDS = 20


def _mutate(data: bytes, rng: random.Random) -> bytes:
    """Flip bits, overwrite a run, truncate, or duplicate a slice: what storage and networks do."""
    mutated = bytearray(data)
    kind = rng.choice(["flip", "flip", "overwrite", "truncate", "duplicate"])
    if kind == "flip":
        for _ in range(rng.randint(1, 16)):
            mutated[rng.randrange(len(mutated))] ^= 1 << rng.randrange(8)
    elif kind == "overwrite":
        at = rng.randrange(len(mutated))
        mutated[at : at + rng.randint(1, 512)] = rng.randbytes(rng.randint(1, 512))
    elif kind == "truncate":
        del mutated[rng.randrange(2, len(mutated)) :]
    else:
        at, size = rng.randrange(len(mutated)), rng.randint(1, 4096)
        mutated[at:at] = mutated[at : at + size]
    return bytes(mutated)


def test_mutated_jpegs_are_rendered_or_rejected(tmp_path: Path) -> None:
    # Three cameras: maker EXIF (Canon), XMP (Nikon), GPS and a larger scan (Coolpix).
    sources = [
        (PHOTOS / name).read_bytes()
        for name in ("Canon_40D.jpg", "Nikon_D70.jpg", "gps/DSCN0010.jpg")
    ]
    rng = random.Random(20261125)
    outcomes: Counter[str] = Counter()
    started = time.monotonic()

    for n in range(MUTATIONS):
        path = tmp_path / f"mutant-{n}.jpg"
        path.write_bytes(_mutate(sources[n % len(sources)], rng))
        outcomes[inspect_and_render_outcome(path)] += 1
        path.unlink()

    assert time.monotonic() - started < BUDGET_SECONDS
    # Both paths were exercised: some damage is survivable, some is not.
    assert outcomes["rendered"] > 20, outcomes
    assert sum(outcomes.values()) - outcomes["rendered"] > 20, outcomes
