"""A deterministic, camera-like photo corpus generated with libvips (BENCHMARKS.md §2).

Nothing binary is committed: `build()` writes the files into a cache directory and reuses them
while their recipe is unchanged. Content is photo-like texture, not flat colour: three octaves
of Perlin noise per channel (large soft shapes), Worley cell edges, a light gradient, fine
texture and Gaussian sensor noise. JPEG decode cost scales with entropy-coded bytes, so the noise
level and quality are chosen to land camera JPEGs at 0.2-0.4 bytes/pixel (the real range is
0.15-0.8; NOTES.md's reference photo is 0.24).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import pyvips

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench-results" / "corpus"
RECIPE_VERSION = 4  # bump when the generator changes, so cached files are rebuilt


@dataclass(frozen=True)
class Recipe:
    """How to make one corpus file; every field feeds the cache key."""

    name: str
    seed: int
    width: int = 6000
    height: int = 4000
    noise: float = 5.0  # sensor-noise sigma, the main knob for bytes/pixel
    quality: int = 90
    progressive: bool = False
    orientation: int = 1  # EXIF Orientation; 6 = stored landscape, shown portrait


@dataclass(frozen=True)
class CorpusFile:
    """A generated photo on disk and what it is."""

    path: Path
    recipe: Recipe
    bytes_per_pixel: float


# Four 24 MP scenes, two progressive twins (same pixels, progressive encoding) and a portrait
# stored the way cameras store one: landscape pixels plus Orientation = 6.
RECIPES = [
    Recipe("cam24_a", seed=1, noise=4.5, quality=90),
    Recipe("cam24_b", seed=2, noise=6.0, quality=90),
    Recipe("cam24_c", seed=3, noise=5.0, quality=92),
    Recipe("cam24_d", seed=4, noise=4.0, quality=91),
    Recipe("cam24_a_progressive", seed=1, noise=4.5, quality=90, progressive=True),
    Recipe("cam24_b_progressive", seed=2, noise=6.0, quality=90, progressive=True),
    Recipe("cam24_portrait_o6", seed=5, noise=5.0, quality=90, orientation=6),
]


def build(directory: Path = CACHE, recipes: list[Recipe] = RECIPES) -> list[CorpusFile]:
    """Generate (or reuse) every recipe's file in `directory`; return them in recipe order."""
    directory.mkdir(parents=True, exist_ok=True)
    files = []
    for recipe in recipes:
        path = directory / f"{recipe.name}-{_key(recipe)}.jpg"
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            _save(_scene(recipe), recipe, tmp)
            tmp.rename(path)  # a killed run never leaves a half-written file under the real name
        files.append(CorpusFile(path, recipe, path.stat().st_size / (recipe.width * recipe.height)))
    return files


def _key(recipe: Recipe) -> str:
    text = json.dumps([RECIPE_VERSION, asdict(recipe)], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def _scene(recipe: Recipe) -> pyvips.Image:
    """Photo-like 8-bit sRGB pixels, fully determined by the recipe's seed."""
    width, height, seed = recipe.width, recipe.height, recipe.seed
    # Large structure is generated at 1/8 size and enlarged: smooth, and 64× cheaper.
    channels = []
    for channel in range(3):
        octaves = [
            pyvips.Image.perlin(
                width // 8, height // 8, cell_size=cell, seed=seed * 100 + channel * 10 + octave
            )
            * amplitude
            for octave, (cell, amplitude) in enumerate([(200, 90), (60, 45), (15, 20)])
        ]
        channels.append(octaves[0] + octaves[1] + octaves[2])
    base = channels[0].bandjoin(channels[1:]).resize(8, kernel="linear")
    cells = pyvips.Image.worley(width, height, cell_size=400, seed=seed)
    # Thin dark rings around random centres: hard edges for the attention crop and the codecs.
    edges = ((cells % 90) < 3) * (-50 / 255)  # a relational op yields 0 or 255
    gradient = pyvips.Image.xyz(width, height)[0] * (80.0 / width)
    texture = pyvips.Image.perlin(width, height, cell_size=6, seed=seed) * 18
    noise = pyvips.Image.gaussnoise(width, height, sigma=recipe.noise, mean=0, seed=seed)
    image = base + 80 + gradient + edges + texture + noise
    return image.cast("uchar").copy(interpretation="srgb")


def _save(image: pyvips.Image, recipe: Recipe, path: Path) -> None:
    image = image.copy()
    # A camera's EXIF: what the metadata reader parses on every photo, and GPS to be stripped.
    for name, value in {
        "exif-ifd0-Make": "Proofsheet",
        "exif-ifd0-Model": "Bench Camera 24",
        "exif-ifd2-DateTimeOriginal": "2024:06:01 12:34:56",
        "exif-ifd2-FNumber": "28/10",
        "exif-ifd2-ExposureTime": "1/250",
        "exif-ifd2-FocalLength": "50/1",
        "exif-ifd3-GPSLatitudeRef": "N",
        "exif-ifd3-GPSLatitude": "48/1 51/1 2400/100",
        "exif-ifd3-GPSLongitudeRef": "E",
        "exif-ifd3-GPSLongitude": "2/1 21/1 300/100",
    }.items():
        image.set_type(pyvips.GValue.gstr_type, name, value)
    image.set_type(pyvips.GValue.gint_type, "orientation", recipe.orientation)
    image.jpegsave(
        str(path),
        Q=recipe.quality,
        interlace=recipe.progressive,
        subsample_mode="on",  # 4:2:0 like cameras; libvips would drop subsampling at Q ≥ 90
    )


if __name__ == "__main__":
    for item in build():
        print(f"{item.path}  {item.bytes_per_pixel:.3f} B/px")
