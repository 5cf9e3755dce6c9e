"""Purchased files are clean: no watermark, no metadata (GPS), the size that was bought."""

import pytest
import pyvips
from django.core.files.storage import storages

from proofsheet.fulfillment.tests.support import GPS_PHOTOS, has_gps, ready_photos
from proofsheet.galleries.processing import photo_clean_download
from proofsheet.galleries.tests.factories import GalleryFactory
from proofsheet.imaging.pipeline import FULL_EDGE, PRINT_EDGE, render_clean_download
from tests.support import PHOTOS

pytestmark = pytest.mark.django_db


def test_full_resolution_is_re_encoded_without_gps_and_kept(
    media, django_capture_on_commit_callbacks
):
    gallery = GalleryFactory()
    (photo,) = ready_photos(django_capture_on_commit_callbacks, gallery, GPS_PHOTOS[:1])
    private = storages["private"]
    with private.open(photo.original_key, "rb") as fh:
        assert has_gps(fh.read())

    key = photo_clean_download(photo, edge=FULL_EDGE, label="full")

    with private.open(key, "rb") as fh:
        data = fh.read()
    image = pyvips.Image.new_from_buffer(data, "")
    assert not has_gps(data)
    assert (image.width, image.height) == (photo.width, photo.height)
    assert photo_clean_download(photo, edge=FULL_EDGE, label="full") == key  # made once


def test_print_size_is_capped_at_3600(tmp_path):
    big = tmp_path / "big.jpg"
    image = pyvips.Image.new_from_file(str(GPS_PHOTOS[0]))
    image.resize(8).jpegsave(str(big), Q=80)  # ~5000 px wide, EXIF with GPS kept
    assert has_gps(big.read_bytes())

    data = render_clean_download(big, edge=PRINT_EDGE)

    out = pyvips.Image.new_from_buffer(data, "")
    assert max(out.width, out.height) == PRINT_EDGE
    assert not has_gps(data)


def test_full_resolution_is_upright(media, django_capture_on_commit_callbacks):
    rotated = [PHOTOS / "orientation" / "landscape_6.jpg"]  # stored 450 × 600, EXIF: rotate
    gallery = GalleryFactory()
    (photo,) = ready_photos(django_capture_on_commit_callbacks, gallery, rotated)

    key = photo_clean_download(photo, edge=FULL_EDGE, label="full")

    with storages["private"].open(key, "rb") as fh:
        image = pyvips.Image.new_from_buffer(fh.read(), "")
    assert (image.width, image.height) == (photo.width, photo.height)
    assert (image.width, image.height) == (600, 450)
