"""Ingest and processing: originals private under server keys, renditions, duplicates, failures."""

import io
from pathlib import Path

import pytest
import pyvips
from django.core.files.storage import storages

from proofsheet.core.errors import Forbidden
from proofsheet.galleries import processing, selectors, services
from proofsheet.galleries.models import Photo, PhotoStatus, UploadBatch
from proofsheet.galleries.tests.factories import GalleryFactory, PhotographerFactory
from proofsheet.imaging.tests.support import photoshop_jpeg
from proofsheet.notifications.models import Notification
from tests.support import PHOTOS, stored_files

pytestmark = pytest.mark.django_db


def ingest(gallery, path: Path, name=None, capture=None, **kwargs):
    """Ingest a file; with `capture`, run the processing task queued on commit."""
    with capture(execute=True):
        return services.photo_ingest(
            gallery=gallery,
            owner=gallery.owner,
            source=path,
            original_name=name or path.name,
            **kwargs,
        )


def test_a_photo_is_stored_privately_and_processed(media, django_capture_on_commit_callbacks):
    gallery = GalleryFactory()

    result = ingest(
        gallery,
        PHOTOS / "Canon_40D.jpg",
        name="../../etc/IMG 0001.JPG",
        capture=django_capture_on_commit_callbacks,
    )

    photo = Photo.objects.get()
    assert result.status == "accepted" and result.photo == photo
    assert photo.status == PhotoStatus.READY
    assert photo.title == "IMG_0001" and photo.original_name == "IMG_0001.JPG"
    # The original: in private storage, under a key the server chose (no client bytes in it).
    assert photo.original_key.startswith(f"originals/{gallery.owner.public_id}/")
    assert "IMG" not in photo.original_key and ".." not in photo.original_key
    assert (media / "private" / photo.original_key).read_bytes() == (
        PHOTOS / "Canon_40D.jpg"
    ).read_bytes()
    # Renditions: public, versioned keys, all sizes in WebP and JPEG.
    assert set(photo.renditions) == {"thumb", "small", "grid", "preview"}
    for entry in photo.renditions.values():
        for fmt in ("webp", "jpeg"):
            assert entry[fmt].startswith(f"renditions/{photo.public_id}/{photo.rendition_version}/")
            assert (media / "public" / entry[fmt]).is_file()
    assert photo.exif["camera_make"] == "Canon"
    gallery.refresh_from_db()
    assert gallery.cover_photo == photo  # the first ready photo until one is chosen
    assert photo.width > photo.height
    assert photo.placeholder.startswith("data:image/")


def test_the_original_has_no_public_url(django_capture_on_commit_callbacks):
    result = ingest(
        GalleryFactory(), PHOTOS / "Nikon_D70.jpg", capture=django_capture_on_commit_callbacks
    )
    with pytest.raises(ValueError):
        storages["private"].url(result.photo.original_key)


def test_the_same_file_twice_in_a_gallery_is_a_duplicate(media, django_capture_on_commit_callbacks):
    gallery = GalleryFactory()
    first = ingest(gallery, PHOTOS / "Canon_40D.jpg", capture=django_capture_on_commit_callbacks)

    again = ingest(
        gallery,
        PHOTOS / "Canon_40D.jpg",
        name="copy.jpg",
        capture=django_capture_on_commit_callbacks,
    )

    assert again.status == "duplicate" and again.duplicate_of == first.photo
    assert Photo.objects.count() == 1
    assert len(stored_files(media / "private")) == 1
    # Another gallery may hold the same file.
    other = GalleryFactory(owner=gallery.owner)
    assert (
        ingest(other, PHOTOS / "Canon_40D.jpg", capture=django_capture_on_commit_callbacks).status
        == "accepted"
    )


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "x.jpg"),
        (b"<!doctype html><html><body>hi</body></html>", "page.png"),
        (b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "doc.jpg"),
        (b"", "empty.jpg"),
    ],
)
def test_files_that_are_not_photos_are_rejected_and_not_stored(
    media, content, name, tmp_path, django_capture_on_commit_callbacks
):
    path = tmp_path / name
    path.write_bytes(content)

    result = ingest(GalleryFactory(), path, capture=django_capture_on_commit_callbacks)

    assert result.status == "rejected" and result.rejected
    assert not Photo.objects.exists()
    assert stored_files(media / "private") == []


def test_a_photoshop_jpeg_with_mac_metadata_is_shown_in_the_gallery(
    media, tmp_path, django_capture_on_commit_callbacks
):
    """Its APP13 holds Apple's print plist (<!DOCTYPE plist …>): metadata, not a web page."""
    path = tmp_path / "Edited in Photoshop.jpg"
    path.write_bytes(photoshop_jpeg())
    gallery = GalleryFactory()

    result = ingest(gallery, path, capture=django_capture_on_commit_callbacks)

    assert result.status == "accepted", result.rejected
    assert list(selectors.gallery_photos(gallery, status=PhotoStatus.READY)) == [result.photo]
    for entry in Photo.objects.get().renditions.values():
        assert b"DOCTYPE" not in (media / "public" / entry["jpeg"]).read_bytes()


def test_a_truncated_upload_is_rejected_with_a_reason(tmp_path, django_capture_on_commit_callbacks):
    data = (PHOTOS / "Nikon_D70.jpg").read_bytes()
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(data[: len(data) // 3])

    result = ingest(GalleryFactory(), truncated, capture=django_capture_on_commit_callbacks)

    assert result.status == "rejected" and "incomplete" in result.rejected
    assert not Photo.objects.exists()


def test_a_photo_that_fails_processing_says_why_and_the_batch_goes_on(
    media, django_capture_on_commit_callbacks
):
    gallery = GalleryFactory()
    batch = services.upload_batch_create(gallery=gallery, owner=gallery.owner)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        results = [
            services.photo_ingest(
                gallery=gallery,
                owner=gallery.owner,
                source=PHOTOS / n,
                original_name=n,
                batch=batch,
            )
            for n in ("Nikon_D70.jpg", "Canon_40D.jpg")
        ]
    # The stored original is damaged before the worker gets to it (disk or storage fault).
    broken = media / "private" / results[0].photo.original_key
    broken.write_bytes(broken.read_bytes()[:2000])
    services.upload_batch_close(batch=batch)
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()

    bad, good = (Photo.objects.get(pk=r.photo.pk) for r in results)
    assert bad.status == PhotoStatus.FAILED and "incomplete" in bad.failure_reason
    assert good.status == PhotoStatus.READY
    [notification] = Notification.objects.filter(user=gallery.owner)
    assert notification.message == f"1 photo ready in “{gallery.title}”, 1 failed"
    assert UploadBatch.objects.get().notified_at is not None

    # The photographer retries it once the original is sound again.
    broken.write_bytes((PHOTOS / "Nikon_D70.jpg").read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        processing.photo_retry(photo=bad)
    bad.refresh_from_db()
    assert bad.status == PhotoStatus.READY and bad.failure_reason == ""


def test_processing_twice_leaves_one_set_of_renditions(media, django_capture_on_commit_callbacks):
    result = ingest(
        GalleryFactory(), PHOTOS / "Canon_40D.jpg", capture=django_capture_on_commit_callbacks
    )
    before = stored_files(media / "public")

    Photo.objects.filter(pk=result.photo.pk).update(status=PhotoStatus.PROCESSING)
    with django_capture_on_commit_callbacks(execute=True):
        processing.photo_process(str(result.photo.public_id))

    assert stored_files(media / "public") == before
    assert len(before) == 8


def test_a_new_watermark_regenerates_previews_and_removes_the_old_ones(
    media, django_capture_on_commit_callbacks
):
    gallery = GalleryFactory()
    photo = ingest(
        gallery, PHOTOS / "Canon_40D.jpg", capture=django_capture_on_commit_callbacks
    ).photo
    photo.refresh_from_db()
    old_version, old_preview = photo.rendition_version, photo.renditions["preview"]["jpeg"]
    old_pixels = (media / "public" / old_preview).read_bytes()

    with django_capture_on_commit_callbacks(execute=True):
        services.watermark_update(
            owner=gallery.owner, text="© Test Studio", position="center", opacity=0.8, size=0.5
        )

    photo.refresh_from_db()
    assert photo.rendition_version != old_version
    new_pixels = (media / "public" / photo.renditions["preview"]["jpeg"]).read_bytes()
    assert new_pixels != old_pixels
    assert not (media / "public" / old_preview).exists()
    assert len(stored_files(media / "public")) == 8


def test_deleting_photos_and_galleries_leaves_no_files(media, django_capture_on_commit_callbacks):
    gallery = GalleryFactory()
    photos = [
        ingest(gallery, PHOTOS / name, capture=django_capture_on_commit_callbacks).photo
        for name in ("Canon_40D.jpg", "Nikon_D70.jpg")
    ]

    with django_capture_on_commit_callbacks(execute=True):
        services.photos_delete(gallery=gallery, photo_ids=[photos[0].public_id])
    assert len(stored_files(media / "private")) == 1
    assert len(stored_files(media / "public")) == 8

    with django_capture_on_commit_callbacks(execute=True):
        services.gallery_delete(gallery=gallery)
    assert stored_files(media / "private") == []
    assert stored_files(media / "public") == []


def test_quota_and_size_limits_reject_with_a_reason(settings, django_capture_on_commit_callbacks):
    gallery = GalleryFactory()
    settings.PHOTOS = settings.PHOTOS | {"MAX_FILE_BYTES": 1000}
    too_big = ingest(gallery, PHOTOS / "Canon_40D.jpg", capture=django_capture_on_commit_callbacks)
    assert too_big.status == "rejected" and "larger than the limit" in too_big.rejected

    settings.PHOTOS = settings.PHOTOS | {"MAX_FILE_BYTES": 10**9, "QUOTA_PHOTOS": 1}
    assert (
        ingest(gallery, PHOTOS / "Canon_40D.jpg", capture=django_capture_on_commit_callbacks).status
        == "accepted"
    )
    full = ingest(gallery, PHOTOS / "Nikon_D70.jpg", capture=django_capture_on_commit_callbacks)
    assert full.status == "rejected" and "quota" in full.rejected


def test_only_the_owner_can_add_photos(django_capture_on_commit_callbacks):
    gallery = GalleryFactory()
    with pytest.raises(Forbidden):
        services.photo_ingest(
            gallery=gallery,
            owner=PhotographerFactory(),
            source=PHOTOS / "Canon_40D.jpg",
            original_name="x.jpg",
        )


def test_a_stream_upload_is_spooled(media, django_capture_on_commit_callbacks):
    gallery = GalleryFactory()
    stream = io.BytesIO((PHOTOS / "Nikon_D70.jpg").read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        result = services.photo_ingest(
            gallery=gallery, owner=gallery.owner, source=stream, original_name="nikon.jpg"
        )
    result.photo.refresh_from_db()
    assert result.photo.status == PhotoStatus.READY


@pytest.mark.parametrize("name", [f"orientation/portrait_{n}.jpg" for n in range(1, 9)])
def test_portraits_stay_portrait(media, name, django_capture_on_commit_callbacks):
    photo = ingest(
        GalleryFactory(), PHOTOS / name, capture=django_capture_on_commit_callbacks
    ).photo
    photo.refresh_from_db()
    preview = pyvips.Image.new_from_file(
        str(media / "public" / photo.renditions["preview"]["jpeg"])
    )
    assert photo.height > photo.width
    assert preview.height > preview.width


def test_gps_stays_private(media, django_capture_on_commit_callbacks):
    photo = ingest(
        GalleryFactory(),
        PHOTOS / "gps" / "DSCN0010.jpg",
        capture=django_capture_on_commit_callbacks,
    ).photo
    photo.refresh_from_db()
    assert photo.gps_latitude is not None
    for entry in photo.renditions.values():
        for fmt in ("webp", "jpeg"):
            image = pyvips.Image.new_from_file(str(media / "public" / entry[fmt]))
            assert not [f for f in image.get_fields() if f.startswith(("exif", "xmp", "iptc"))]
