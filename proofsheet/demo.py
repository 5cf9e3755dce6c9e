"""Demo data so a newcomer can click through a fresh instance."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyvips
from django.conf import settings
from django.db import transaction

from proofsheet.accounts.models import Role, User
from proofsheet.accounts.services import user_create
from proofsheet.catalog.sheets import price_sheet_starter
from proofsheet.core.errors import Conflict, Forbidden
from proofsheet.flows.galleries import gallery_create
from proofsheet.galleries import services as galleries

DEMO_ACCOUNTS = [
    (Role.PHOTOGRAPHER, "photographer@demo.proofsheet", "Ada Lens (demo)"),
    (Role.CLIENT, "client@demo.proofsheet", "Carl Client (demo)"),
]


@dataclass(frozen=True)
class DemoData:
    accounts: list[tuple[str, str, str]]  # (role, email, password)
    access_code: str  # the private demo gallery's client code


@transaction.atomic
def demo_populate() -> DemoData:
    """Create the demo accounts, a public gallery and a private one with proofing rules."""
    if settings.PRODUCTION:
        raise Forbidden("demo data is not for production instances")
    emails = [email for _, email, _ in DEMO_ACCOUNTS]
    if User.objects.filter(email__in=emails).exists():
        raise Conflict(
            "demo data is already here (reset a password with "
            "`proofsheet manage changepassword EMAIL`)"
        )
    created, code = [], ""
    for role, email, name in DEMO_ACCOUNTS:
        user, password = user_create(email=email, role=role, display_name=name)
        created.append((user.role, user.email, password))
        if role == Role.PHOTOGRAPHER:
            price_sheet_starter(owner=user)  # becomes the default: the galleries sell from it
            _demo_gallery(
                user,
                "colour-study-{:02d}.jpg",
                range(DEMO_PHOTOS),
                title="Demo: colour studies",
                visibility="public",
                location="Anywhere",
                description="Generated pictures to click through.",
            )
            code = _demo_gallery(  # with proofing rules (pick 3 to 6)
                user,
                "rivera-{:03d}.jpg",
                range(1, 12, 2),
                title="Demo: the Rivera wedding",
                visibility="private",
                description="Pick 3 to 6 favourites and send them to the photographer.",
                selection_min=3,
                selection_max=6,
                downloads_enabled=True,
            )
    return DemoData(accounts=created, access_code=code)


DEMO_PHOTOS = 12


def _demo_gallery(photographer: User, file_name: str, pictures: range, **fields) -> str:
    """A gallery of generated pictures (`_demo_picture(n)` for each n, named `file_name` with
    their 1-based count), processed by the worker after commit; return its client access code
    ("" for a gallery without one)."""
    saved = gallery_create(owner=photographer, **fields)
    with tempfile.TemporaryDirectory(prefix="proofsheet-demo-") as tmp:
        for count, n in enumerate(pictures, 1):
            path = Path(tmp) / file_name.format(count)
            _demo_picture(n).jpegsave(str(path), Q=85)
            galleries.photo_ingest(
                gallery=saved.gallery, owner=photographer, source=path, original_name=path.name
            )
    return saved.client_code or ""


def _demo_picture(n: int) -> pyvips.Image:
    """A 2400×1600 (or portrait) gradient in one of a dozen hues, with its number on it."""
    width, height = (1600, 2400) if n % 4 == 3 else (2400, 1600)
    x = pyvips.Image.xyz(width, height)[0] / width * 255
    y = pyvips.Image.xyz(width, height)[1] / height * 255
    hue = n * 255 / DEMO_PHOTOS
    lch = (y * 0 + 40 + y / 255 * 40).bandjoin([x / 255 * 60 + 20, y * 0 + hue * 360 / 255])
    picture = lch.copy(interpretation="lch").colourspace("srgb").cast("uchar")
    label = pyvips.Image.text(f"<b>{n + 1}</b>", dpi=height * 2, font="sans")
    left, top = (width - label.width) // 2, (height - label.height) // 2
    white = label.new_from_image([255, 255, 255]).bandjoin(label).copy(interpretation="srgb")
    return picture.composite2(white, "over", x=left, y=top).flatten().cast("uchar")
