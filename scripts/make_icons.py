"""Render the app icons in frontend/public from favicon.svg (run again when the logo changes).

    .venv/bin/python scripts/make_icons.py

The PNGs are committed: they change only with the logo, and the server never needs pyvips for them.
"""

import re
from pathlib import Path

import pyvips

PUBLIC = Path(__file__).resolve().parent.parent / "frontend" / "public"


def _render(svg: bytes, size: int, target: Path, *, opaque: bool = False) -> None:
    image = pyvips.Image.svgload_buffer(svg, dpi=72 * size / 32)
    if opaque:  # iOS shows transparency as black
        image = image.flatten()
    image.pngsave(str(target), compression=9, strip=True)


def main() -> None:
    svg = (PUBLIC / "favicon.svg").read_bytes()
    for size in (192, 512):
        _render(svg, size, PUBLIC / f"icon-{size}.png")
    # Maskable and Apple icons fill the whole square (the platform rounds or masks the corners)
    # and keep the mark inside the central safe circle (80 % of the width).
    text = svg.decode()
    background = re.search(r'<rect width="32" height="32"[^>]*fill="([^"]+)"', text)
    assert background, "favicon.svg: expected a full-size background <rect>"
    marks = re.sub(r'<rect width="32" height="32"[^>]*/>', "", text)
    inner = marks[marks.index(">") + 1 : marks.rindex("</svg>")]
    full_bleed = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
        f'<rect width="32" height="32" fill="{background.group(1)}"/>'
        f'<g transform="translate(16 16) scale(.8) translate(-16 -16)">{inner}</g></svg>'
    ).encode()
    _render(full_bleed, 512, PUBLIC / "icon-maskable-512.png", opaque=True)
    _render(full_bleed, 180, PUBLIC / "apple-touch-icon.png", opaque=True)


if __name__ == "__main__":
    main()
