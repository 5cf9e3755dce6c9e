"""Dominant colours and the tiny blurred placeholder shown while a photo loads."""

from __future__ import annotations

import base64

import pyvips

PALETTE_SAMPLE = 64  # px, long edge: 4,096 pixels describe a photo's colours well enough
PALETTE_SIZE = 6
MIN_PALETTE = 3
MERGE_DISTANCE = 48.0  # RGB distance under which two bins read as "the same colour"
MIN_SHARE = 0.01  # a colour on < 1 % of the photo is a detail, not a dominant colour
PLACEHOLDER_EDGE = 20
PLACEHOLDER_QUALITY = 40


def flatten(image: pyvips.Image) -> pyvips.Image:
    """Drop alpha by compositing on white (JPEG has no alpha; white suits a light page)."""
    return image.flatten(background=[255, 255, 255]) if image.hasalpha() else image


def palette(image: pyvips.Image, count: int = PALETTE_SIZE) -> list[str]:
    """Return up to `count` dominant colours as "#rrggbb", most dominant first.

    Pixels are binned at 3 bits per channel; each bin reports its mean colour, and bins closer
    than MERGE_DISTANCE to a more populous one are merged into it. Three colours are returned
    whenever the image has three distinct bins, even if some are minor.
    """
    small = flatten(image.thumbnail_image(PALETTE_SAMPLE, height=PALETTE_SAMPLE))
    data = bytes(small.write_to_memory())
    bands = small.bands
    counts = [0] * 512
    sums = [[0, 0, 0] for _ in range(512)]
    for i in range(0, len(data), bands):
        r, g, b = data[i], data[i + 1 if bands > 1 else i], data[i + 2 if bands > 2 else i]
        key = (r >> 5) << 6 | (g >> 5) << 3 | b >> 5
        counts[key] += 1
        total = sums[key]
        total[0] += r
        total[1] += g
        total[2] += b
    bins = sorted(
        ((n, tuple(s // n for s in sums[key])) for key, n in enumerate(counts) if n),
        reverse=True,
    )
    chosen: list[list] = []  # [count, colour]
    for n, colour in bins:
        near = next((c for c in chosen if _distance(c[1], colour) < MERGE_DISTANCE), None)
        if near is not None:
            near[0] += n
        else:
            chosen.append([n, colour])
    chosen.sort(key=lambda c: -c[0])
    pixels = sum(counts)
    major = [c for c in chosen if c[0] >= MIN_SHARE * pixels]
    picked = (major if len(major) >= MIN_PALETTE else chosen[:MIN_PALETTE])[:count]
    return ["#{:02x}{:02x}{:02x}".format(*colour) for _, colour in picked]


def _distance(a: tuple, b: tuple) -> float:
    return ((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 + (a[2] - b[2]) ** 2) ** 0.5


def placeholder(image: pyvips.Image) -> str:
    """Return a ~20 px WebP of `image` as a data: URI (a few hundred bytes) for blur-up."""
    tiny = image.thumbnail_image(PLACEHOLDER_EDGE, height=PLACEHOLDER_EDGE)
    data = tiny.webpsave_buffer(Q=PLACEHOLDER_QUALITY, keep=pyvips.enums.ForeignKeep.NONE)
    return "data:image/webp;base64," + base64.b64encode(data).decode("ascii")
