"""Burn a text or logo watermark into an image: placed or tiled, with opacity, deterministic."""

from __future__ import annotations

import functools
import html
import math
from dataclasses import dataclass
from pathlib import Path

import pyvips

from proofsheet.imaging import _containers
from proofsheet.imaging._vips import LOADERS, harden

POSITIONS = frozenset({"center", "top-left", "top-right", "bottom-left", "bottom-right", "tiled"})
FONT = "sans bold"
MARGIN = 0.025  # of the long edge, between a placed watermark and the image border
SHADOW_STRENGTH = 0.6  # a soft dark halo keeps white text legible on bright skies


@dataclass(frozen=True)
class Watermark:
    """A text or logo watermark (the logo wins if both are set).

    `size` is the mark's width as a fraction of the image's long edge; `opacity` scales the
    mark's own alpha. Invalid settings raise ValueError here, not in the middle of a render.
    """

    text: str = ""
    logo_path: Path | None = None  # a PNG or WebP, ideally with alpha
    position: str = "bottom-right"
    opacity: float = 0.35
    size: float = 0.2

    def __post_init__(self) -> None:
        if not self.text.strip() and self.logo_path is None:
            raise ValueError("a watermark needs text or a logo")
        if self.position not in POSITIONS:
            raise ValueError(f"position must be one of {sorted(POSITIONS)}")
        if not 0.0 <= self.opacity <= 1.0:
            raise ValueError("opacity must be between 0 and 1")
        if not 0.0 < self.size <= 1.0:
            raise ValueError("size must be above 0 and at most 1")


def apply(image: pyvips.Image, watermark: Watermark) -> pyvips.Image:
    """Return `image` (8-bit sRGB) with `watermark` composited onto it."""
    width, height = image.width, image.height
    target = max(8, round(watermark.size * max(width, height)))
    layer = _layer(watermark, target, _stamp(watermark.logo_path))
    if watermark.position == "tiled":
        return _blend(image, _tile(layer, width, height))
    x, y = _place(watermark.position, layer, width, height)
    # Blend only the covered rectangle and paste it back: compositing the whole frame cost
    # 5× more for a mark that covers a few per cent of it.
    w, h = min(layer.width, width - x), min(layer.height, height - y)
    patch = _blend(image.crop(x, y, w, h), layer.crop(0, 0, w, h))
    return image.insert(patch, x, y)


def _blend(base: pyvips.Image, layer: pyvips.Image) -> pyvips.Image:
    """Composite `layer` over `base`, keeping `base`'s bands (no alpha gained) and format."""
    result = base.composite2(layer, "over")
    if not base.hasalpha():
        result = result.extract_band(0, n=base.bands)
    return result.cast(base.format)


def _stamp(path: Path | None) -> tuple[int, int] | None:
    """Identify a logo file's version, so a replaced logo is not served from the cache."""
    if path is None:
        return None
    stat = Path(path).stat()
    return stat.st_mtime_ns, stat.st_size


@functools.lru_cache(maxsize=32)
def _layer(watermark: Watermark, target: int, stamp: tuple[int, int] | None) -> pyvips.Image:
    """Build the RGBA mark once per watermark and size: a batch of photos reuses it."""
    if watermark.logo_path is not None:
        layer = _logo(Path(watermark.logo_path), target, watermark.opacity)
    else:
        layer = _text(watermark.text, target, watermark.opacity)
    return layer.copy_memory()


def _text(text: str, target_width: int, opacity: float) -> pyvips.Image:
    # Image.text takes Pango markup: "&" or "<" in a studio name must be escaped, not parsed.
    markup = html.escape(text.strip(), quote=False)
    probe = pyvips.Image.text(markup, font=FONT, dpi=72)
    dpi = max(1, min(4800, round(72 * target_width / max(1, probe.width))))
    mask = pyvips.Image.text(markup, font=FONT, dpi=dpi)
    pad = max(2, mask.height // 6)
    mask = mask.embed(pad, pad, mask.width + 2 * pad, mask.height + 2 * pad)
    halo = mask.gaussblur(pad / 2).cast("uchar")
    shadow = _solid(mask, 0).bandjoin((halo * (opacity * SHADOW_STRENGTH)).cast("uchar"))
    letters = _solid(mask, 255).bandjoin((mask * opacity).cast("uchar"))
    return shadow.composite2(letters, "over").cast("uchar")


def _solid(like: pyvips.Image, value: int) -> pyvips.Image:
    """An sRGB image the size of `like`, every pixel `value` in all three bands."""
    return (like.new_from_image([value, value, value])).copy(interpretation="srgb")


def _logo(path: Path, target_width: int, opacity: float) -> pyvips.Image:
    with path.open("rb") as file:
        kind = _containers.sniff(file.read(64))
    if kind not in ("png", "webp"):
        raise ValueError("a watermark logo must be a PNG or WebP image")
    harden()
    try:
        logo = getattr(pyvips.Image, LOADERS[kind])(str(path))
        logo = logo.resize(target_width / logo.width)
        if logo.interpretation != "srgb" or logo.format != "uchar":
            logo = logo.colourspace("srgb").cast("uchar")
        if logo.bands == 3:
            logo = logo.bandjoin(255)
        alpha = (logo[3] * opacity).cast("uchar")
        return logo.extract_band(0, n=3).bandjoin(alpha).copy_memory()
    except pyvips.Error as error:
        # The studio's settings are at fault, not the photo: keep it out of RejectedImage.
        raise ValueError(f"the watermark logo cannot be read: {error}") from None


def _place(position: str, layer: pyvips.Image, width: int, height: int) -> tuple[int, int]:
    margin = round(MARGIN * max(width, height))
    vertical, _, horizontal = position.partition("-")
    if position == "center":
        vertical = horizontal = "center"
    x = {
        "left": margin,
        "right": width - layer.width - margin,
        "center": (width - layer.width) // 2,
    }[horizontal]
    y = {
        "top": margin,
        "bottom": height - layer.height - margin,
        "center": (height - layer.height) // 2,
    }[vertical]
    return max(0, x), max(0, y)


def _tile(layer: pyvips.Image, width: int, height: int) -> pyvips.Image:
    """Repeat `layer` over the whole image in staggered rows, so no region is left clean."""
    # Each row holds a mark every two widths; the next row is shifted by one width.
    step_x, step_y = 2 * layer.width, 3 * layer.height
    pair = layer.embed(0, 0, step_x, 2 * step_y).composite2(layer, "over", x=layer.width, y=step_y)
    across, down = math.ceil(width / step_x) + 1, math.ceil(height / (2 * step_y)) + 1
    return pair.replicate(across, down).crop(0, 0, width, height)
