"""Upload, process, serve and delete with S3 storage (moto's server on loopback): no orphans."""

import json
import urllib.error
import urllib.request
import uuid

import boto3
import pytest

from proofsheet.galleries import services
from proofsheet.galleries.models import PhotoStatus
from proofsheet.galleries.tests.factories import GalleryFactory
from tests.support import PHOTOS

pytestmark = pytest.mark.django_db


@pytest.fixture
def s3(s3_server, settings):
    bucket = f"proofsheet-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_server.endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_bucket(Bucket=bucket)
    # Public renditions are world-readable (a CDN in front); originals under private/ are not.
    client.put_bucket_policy(
        Bucket=bucket,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{bucket}/public/*",
                    }
                ],
            }
        ),
    )
    common = {
        "bucket_name": bucket,
        "endpoint_url": s3_server.endpoint,
        "access_key": "test",
        "secret_key": "test",
        "region_name": "us-east-1",
        "addressing_style": "path",
        "signature_version": "s3v4",
    }
    settings.STORAGES = settings.STORAGES | {
        "public": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": common
            | {
                "location": "public",
                "querystring_auth": False,
                "file_overwrite": True,
                "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
            },
        },
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": common
            | {
                "location": "private",
                "querystring_auth": True,
                "querystring_expire": 300,
                "file_overwrite": False,
            },
        },
    }
    return client, bucket


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
    assert len([k for k in stored if k.startswith("public/renditions/")]) == 6
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
