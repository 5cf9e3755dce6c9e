"""/healthz and /readyz."""

import pytest

from tests.support import free_port

pytestmark = pytest.mark.django_db


def test_healthz_answers_while_the_process_lives(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_each_dependency(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "storage": "ok", "task_queue": "ok"},
    }
    assert "no-cache" in response["Cache-Control"]


def test_readyz_is_503_when_storage_is_unreachable(client, settings):
    s3 = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "proofsheet",
            "endpoint_url": f"http://127.0.0.1:{free_port()}",
            "access_key": "x",
            "secret_key": "y",
            "region_name": "us-east-1",
        },
    }
    settings.STORAGES = settings.STORAGES | {"public": s3, "private": s3}

    response = client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["storage"].startswith("unavailable")
    assert body["checks"]["database"] == "ok"
