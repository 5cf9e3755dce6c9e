"""Helpers for delivery tests: real camera photos, ingested and processed for real."""

from __future__ import annotations

from pathlib import Path

import pyvips

from proofsheet.galleries import services
from proofsheet.galleries.models import Gallery, Photo, PhotoStatus
from tests.support import PHOTOS

GPS_PHOTOS = sorted((PHOTOS / "gps").glob("*.jpg"))


def has_gps(data: bytes) -> bool:
    image = pyvips.Image.new_from_buffer(data, "")
    return any("gps" in name.lower() for name in image.get_fields())


def ready_photos(capture, gallery: Gallery, sources: list[Path]) -> list[Photo]:
    """Ingest files as an upload does and process them now (the task runs on commit)."""
    photos = []
    for source in sources:
        with capture(execute=True):
            result = services.photo_ingest(
                gallery=gallery, owner=gallery.owner, source=source, original_name=source.name
            )
        assert result.photo is not None, result.rejected
        result.photo.refresh_from_db()
        assert result.photo.status == PhotoStatus.READY, result.photo.failure_reason
        photos.append(result.photo)
    return photos
