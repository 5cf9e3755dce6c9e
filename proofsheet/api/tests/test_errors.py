"""Every /api/v1 error has one shape, {"code", "message", "fields"}, whoever answers it."""

import re
from pathlib import Path

import pytest
from django.test import Client

from proofsheet.accounts.models import Role
from proofsheet.accounts.tests.factories import UserFactory
from proofsheet.core.errors import CODES
from proofsheet.galleries.models import Visibility
from proofsheet.galleries.tests.factories import GalleryFactory

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[3] / "docs" / "api.md"


def shaped(response, status: int, code: str) -> dict:
    """Assert the one error shape, with this status and code; return the body."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"code", "message", "fields"}, body
    assert body["code"] == code, body
    assert body["message"] and isinstance(body["fields"], dict)
    return body


@pytest.fixture
def seller_client():
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(role=Role.PHOTOGRAPHER))
    return client


def test_an_anonymous_write_is_401_not_a_csrf_403():
    anonymous = Client(enforce_csrf_checks=True)
    response = anonymous.post("/api/v1/galleries", {"title": "x"}, content_type="application/json")
    shaped(response, 401, "not_authenticated")


def test_a_session_write_without_csrf_is_403(seller_client):
    response = seller_client.post(
        "/api/v1/galleries", {"title": "x"}, content_type="application/json"
    )
    shaped(response, 403, "forbidden")


def test_a_client_cannot_use_studio_endpoints(client):
    client.force_login(UserFactory(role=Role.CLIENT))
    shaped(client.get("/api/v1/galleries"), 403, "seller_only")


def test_an_unknown_path_and_an_unknown_object_are_404_alike(client):
    client.force_login(UserFactory(role=Role.PHOTOGRAPHER))
    shaped(client.get("/api/v1/no-such-thing"), 404, "not_found")
    gallery = GalleryFactory()  # another photographer's
    shaped(client.get(f"/api/v1/galleries/{gallery.public_id}"), 404, "not_found")


def test_a_wrong_method_is_405(client):
    client.force_login(UserFactory(role=Role.PHOTOGRAPHER))
    shaped(client.put("/api/v1/me"), 405, "method_not_allowed")


def test_a_malformed_body_names_its_fields(client):
    client.force_login(UserFactory(role=Role.PHOTOGRAPHER))
    response = client.post(
        "/api/v1/galleries", {"visibility": "secret"}, content_type="application/json"
    )
    body = shaped(response, 422, "invalid")
    assert set(body["fields"]) == {"title", "visibility"}


def test_a_rule_of_a_service_names_its_field(client):
    client.force_login(UserFactory(role=Role.PHOTOGRAPHER))
    response = client.post("/api/v1/galleries", {"title": "  "}, content_type="application/json")
    body = shaped(response, 422, "invalid")
    assert body["fields"] == {"title": ["A gallery needs a title."]}


def test_a_body_over_the_limit_is_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(UserFactory(role=Role.PHOTOGRAPHER))
    response = client.post(
        "/api/v1/galleries", {"title": "x" * 5000}, content_type="application/json"
    )
    shaped(response, 413, "too_large")


def test_a_crash_is_a_500_in_the_shape_without_a_traceback(client, monkeypatch):
    from proofsheet.galleries import selectors

    def crash(*args, **kwargs):
        raise RuntimeError("database on fire at /srv/secret/path")

    monkeypatch.setattr(selectors, "galleries_owned_by", crash)
    client.raise_request_exception = False
    client.force_login(UserFactory(role=Role.PHOTOGRAPHER))
    body = shaped(client.get("/api/v1/galleries"), 500, "server_error")
    assert "secret" not in body["message"] and "fire" not in body["message"]


def test_a_visitor_refusal_says_which_rule(client):
    private = GalleryFactory(visibility=Visibility.PRIVATE)
    shaped(client.get(f"/api/v1/client/galleries/{private.public_id}"), 403, "access_code_required")


def test_every_code_is_in_the_documented_table_and_nothing_else():
    """docs/api.md lists each code with its status, as core.errors.CODES does."""
    documented = dict(re.findall(r"^\| `([a-z_]+)` \| (\d{3}) \|", DOCS.read_text(), re.M))
    assert documented == {code: str(entry.status) for code, entry in CODES.items()}
