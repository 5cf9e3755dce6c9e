"""Rotating a private gallery's codes also retires the photo URLs handed out before (R05)."""

import pytest
from django.core.files.storage import storages

from proofsheet.galleries import access, processing, services
from proofsheet.galleries.models import Photo, Visibility
from proofsheet.galleries.tests.factories import GalleryFactory
from tests.support import PHOTOS

pytestmark = pytest.mark.django_db


def rendition_files(photo: Photo) -> dict[str, bytes]:
    public = storages["public"]
    files = {}
    for name, entry in photo.renditions.items():
        for fmt in ("webp", "jpeg"):
            with public.open(entry[fmt], "rb") as fh:
                files[f"{name}.{fmt}"] = fh.read()
    return files


@pytest.fixture
def private_photo(django_capture_on_commit_callbacks):
    gallery = GalleryFactory(visibility=Visibility.PRIVATE)
    with django_capture_on_commit_callbacks(execute=True):
        access.gallery_rotate_access_code(gallery=gallery)  # the first code moves nothing
        services.photo_ingest(
            gallery=gallery,
            owner=gallery.owner,
            source=PHOTOS / "Canon_40D.jpg",
            original_name="Canon_40D.jpg",
        )
    return Photo.objects.get(gallery=gallery)


@pytest.mark.parametrize("rotate", ["client", "guest", "remove_guest"])
def test_rotation_moves_every_rendition_to_new_urls_and_the_old_ones_stop(
    private_photo, rotate, django_capture_on_commit_callbacks
):
    gallery = private_photo.gallery
    before = rendition_files(private_photo)
    old_keys = [e[fmt] for e in private_photo.renditions.values() for fmt in ("webp", "jpeg")]

    with django_capture_on_commit_callbacks(execute=True):
        if rotate == "remove_guest":
            access.gallery_remove_guest_code(gallery=gallery)
        else:
            access.gallery_rotate_access_code(gallery=gallery, kind=rotate)

    private_photo.refresh_from_db()
    new_keys = [e[fmt] for e in private_photo.renditions.values() for fmt in ("webp", "jpeg")]
    assert set(new_keys).isdisjoint(old_keys)
    assert not any(storages["public"].exists(key) for key in old_keys)
    assert rendition_files(private_photo) == before  # same pixels, not re-rendered


def test_two_rotations_in_a_row_end_on_the_latest_urls(
    private_photo, django_capture_on_commit_callbacks
):
    gallery = private_photo.gallery
    with django_capture_on_commit_callbacks(execute=True):
        access.gallery_rotate_access_code(gallery=gallery)
        access.gallery_rotate_access_code(gallery=gallery)
    private_photo.refresh_from_db()
    gallery.refresh_from_db()
    watermark = processing.effective_watermark(gallery)
    assert private_photo.rendition_version == processing.rendition_version(private_photo, watermark)
    assert all(
        storages["public"].exists(entry["webp"]) for entry in private_photo.renditions.values()
    )
