"""Upload, process, serve and delete with S3 storage (moto's server on loopback): no orphans."""

import urllib.error
import urllib.request

import pytest

from proofsheet.galleries import services
from proofsheet.galleries.models import PhotoStatus
from proofsheet.galleries.tests.factories import GalleryFactory
from tests.support import PHOTOS, s3_storages

pytestmark = pytest.mark.django_db


@pytest.fixture
def s3(s3_bucket, settings):
    settings.STORAGES = s3_storages(s3_bucket)
    return s3_bucket.client, s3_bucket.name


def url_base(client, bucket):
    return f"{client.meta.endpoint_url}/{bucket}"


def keys(client, bucket):
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", []))


def test_the_whole_life_of_a_photo_on_s3(s3, django_capture_on_commit_callbacks):
    client, bucket = s3
    gallery = GalleryFactory()

    with django_capture_on_commit_callbacks(execute=True):
        photo = services.photo_ingest(
            gallery=gallery,
            owner=gallery.owner,
            source=PHOTOS / "Canon_40D.jpg",
            original_name="Canon_40D.jpg",
        ).photo
    photo.refresh_from_db()

    assert photo.status == PhotoStatus.READY
    stored = keys(client, bucket)
    assert f"private/{photo.original_key}" in stored
    assert len([k for k in stored if k.startswith("public/renditions/")]) == 8
    from proofsheet.galleries.selectors import rendition_url

    original = f"{url_base(client, bucket)}/private/{photo.original_key}"
    with pytest.raises(urllib.error.HTTPError) as denied:
        urllib.request.urlopen(original)
    assert denied.value.code == 403
    url = rendition_url(photo, "preview", "webp")
    assert "X-Amz-Signature" not in url  # public renditions: plain, cacheable URLs
    with urllib.request.urlopen(url) as response:
        assert response.read(12)[8:12] == b"WEBP"
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"

    with django_capture_on_commit_callbacks(execute=True):
        services.gallery_delete(gallery=gallery)
    assert keys(client, bucket) == []
