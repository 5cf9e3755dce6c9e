"""Helpers for the client gallery page tests: real photos, processed for real, and reading HTML."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pyvips
from django.core.files.storage import storages
from django.urls import reverse

from proofsheet.galleries import access, services
from proofsheet.galleries.models import Gallery, Photo, PhotoStatus, Visibility
from proofsheet.galleries.tests.factories import GalleryFactory
from tests.support import PHOTOS

# Every real camera photo, each a different file (a gallery refuses the same file twice).
REAL_PHOTOS = sorted((PHOTOS / "gps").glob("*.jpg")) + sorted(
    (PHOTOS / "orientation").glob("*.jpg")
)
HX = {"HX-Request": "true"}
PREVIEW_CAP = 1600
WRONG_CODE = "WRNG-WRNGW-WRNGW"


def big_camera_photo(folder: Path) -> Path:
    """A real GPS-tagged camera photo enlarged to 3200 × 2400, its EXIF (GPS included) kept.

    The real photos are all smaller than the preview cap; this one is not, so size caps bite.
    """
    path = folder / "DSCN0010-big.jpg"
    if not path.exists():
        image = pyvips.Image.new_from_file(str(PHOTOS / "gps" / "DSCN0010.jpg"))
        image.resize(5).jpegsave(str(path), Q=85)
        assert has_gps(pyvips.Image.new_from_file(str(path)))
    return path


def has_gps(image: pyvips.Image) -> bool:
    return any("GPS" in name for name in image.get_fields())


def add_photos(
    capture, gallery: Gallery, sources: list[Path], photo_set=None, name: str | None = None
) -> list[Photo]:
    """Ingest files as the photographer's upload does and process them now (on commit)."""
    photos = []
    for source in sources:
        with capture(execute=True):
            result = services.photo_ingest(
                gallery=gallery,
                owner=gallery.owner,
                source=source,
                original_name=name or source.name,
                photo_set=photo_set,
            )
        assert result.photo is not None, result.rejected
        result.photo.refresh_from_db()
        assert result.photo.status == PhotoStatus.READY, result.photo.failure_reason
        photos.append(result.photo)
    return photos


def private_gallery(**fields) -> tuple[Gallery, str, str]:
    """A private gallery with its client code and guest code."""
    gallery = GalleryFactory(visibility=Visibility.PRIVATE, **fields)
    client_code = access.gallery_rotate_access_code(gallery=gallery)
    guest_code = access.gallery_rotate_access_code(gallery=gallery, kind=access.GUEST)
    return gallery, client_code, guest_code


# --- URLs ---------------------------------------------------------------------------------


def gallery_url(gallery: Gallery, name: str = "gallery") -> str:
    return reverse(f"storefront:{name}", args=[gallery.public_id])


def photo_url(photo: Photo, name: str = "photo") -> str:
    return reverse(f"storefront:{name}", args=[photo.gallery.public_id, photo.public_id])


def unlock_url(gallery: Gallery) -> str:
    return gallery_url(gallery, "unlock")


def email_url(gallery: Gallery) -> str:
    return gallery_url(gallery, "email_gate")


# --- a visitor's steps ----------------------------------------------------------------------


def unlock(client, gallery: Gallery, code: str, **extra):
    """Enter a code on the gallery's unlock page."""
    return client.post(unlock_url(gallery), {"code": code, "next": gallery_url(gallery)}, **extra)


def give_email(client, gallery: Gallery, email: str = "ann@example.com"):
    response = client.post(email_url(gallery), {"email": email, "next": gallery_url(gallery)})
    assert response.status_code == 302, response.content
    return response


def favourite(client, photo: Photo, on: bool = True, **extra):
    data = {"on": "1" if on else "0", "next": gallery_url(photo.gallery)}
    return client.post(photo_url(photo, "favourite"), data, **extra)


def content(response) -> bytes:
    """The whole body of a response, streamed or not.

    Reading a streamed body to its end closes it (the test client then closes the file);
    closing it again by hand would fire request_finished and close the test's database.
    """
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


# --- reading HTML -----------------------------------------------------------------------------


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, {name: value or "" for name, value in attrs}))


def elements(html: str, tag: str, **attrs: str) -> list[dict]:
    """The attributes of every `tag` element whose attributes include `attrs`."""
    parser = _Elements()
    parser.feed(html)
    # class_ → class, aria_pressed → aria-pressed
    wanted = {name.rstrip("_").replace("_", "-"): value for name, value in attrs.items()}
    return [
        found
        for name, found in parser.found
        if name == tag and all(found.get(key) == value for key, value in wanted.items())
    ]


def og_tags(html: str) -> dict[str, str]:
    return {
        meta["property"]: meta.get("content", "")
        for meta in elements(html, "meta")
        if meta.get("property", "").startswith("og:")
    }


def tile_ids(html: str) -> list[str]:
    """The public ids of the photo tiles on a page, in order."""
    return [
        figure["id"].removeprefix("photo-")
        for figure in elements(html, "figure")
        if figure.get("id", "").startswith("photo-")
    ]


def pressed(html: str, photo: Photo) -> str | None:
    """aria-pressed of the photo's favourite button ("true"/"false"), None without a button."""
    action = photo_url(photo, "favourite")
    parser = _Elements()
    parser.feed(html)
    inside = False
    for tag, attrs in parser.found:
        if tag == "form":
            inside = attrs.get("action") == action
        elif tag == "button" and inside and "aria-pressed" in attrs:
            return attrs["aria-pressed"]
    return None


MEDIA_URL = re.compile(r"""(?:https?://[^\s"'<>,]+)?/media/public/[^\s"'<>,]+""")


def media_urls(html: str) -> set[str]:
    """Every public media (rendition) URL a page names, in any attribute or text."""
    return set(MEDIA_URL.findall(html))


def public_key(url: str) -> str:
    """The public-storage key behind a rendition URL."""
    return url.split("/media/public/", 1)[1].split("?", 1)[0]


def stored_image(url: str) -> pyvips.Image:
    """Open the file a rendition URL points to from the public storage."""
    with storages["public"].open(public_key(url), "rb") as fh:
        return pyvips.Image.new_from_buffer(fh.read(), "").copy_memory()


def decode(data: bytes) -> pyvips.Image:
    return pyvips.Image.new_from_buffer(data, "").copy_memory()
