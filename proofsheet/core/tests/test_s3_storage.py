"""S3 storage against moto's S3 server on loopback, configured the way settings.py builds it."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from tests.support import s3_storages

pytestmark = pytest.mark.django_db


@pytest.fixture
def s3_settings(s3_bucket, settings):
    """Point both storages at a fresh bucket, as STORAGE_BACKEND=s3 would."""
    settings.STORAGES = s3_storages(s3_bucket, public_base_url="https://media.example.test")
    return s3_bucket.client, s3_bucket.name


def test_private_files_round_trip_with_short_presigned_links(s3_settings):
    client, bucket = s3_settings
    private = storages["private"]

    name = private.save("originals/a.jpg", ContentFile(b"original bytes"))

    assert name.startswith("originals/")
    assert (
        client.get_object(Bucket=bucket, Key=f"private/{name}")["Body"].read() == b"original bytes"
    )
    with private.open(name) as fh:
        assert fh.read() == b"original bytes"
    link = urlsplit(private.url(name))
    assert parse_qs(link.query)["X-Amz-Expires"] == ["300"]
    private.delete(name)
    assert not private.exists(name)
    assert client.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


def test_public_files_get_plain_urls_on_the_public_base(s3_settings):
    client, bucket = s3_settings
    public = storages["public"]

    name = public.save("renditions/a.webp", ContentFile(b"webp"))

    assert public.url(name) == f"https://media.example.test/public/{name}"
    assert public.exists(name)
    public.delete(name)
    assert client.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


def test_private_files_are_never_overwritten(s3_settings):
    private = storages["private"]
    first = private.save("same.txt", ContentFile(b"1"))
    second = private.save("same.txt", ContentFile(b"2"))
    assert first != second
    assert private.open(first).read() == b"1"


def test_public_files_are_cached_forever(s3_settings):
    client, bucket = s3_settings
    name = storages["public"].save("renditions/v1/a.webp", ContentFile(b"webp"))
    head = client.head_object(Bucket=bucket, Key=f"public/{name}")
    assert head["CacheControl"] == "public, max-age=31536000, immutable"


def test_readyz_checks_the_bucket(s3_settings, client):
    assert client.get("/readyz").json()["checks"]["storage"] == "ok"
