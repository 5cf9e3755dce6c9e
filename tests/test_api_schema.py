"""/api/v1's OpenAPI document, checked as a document and used for property-based tests.

The document is valid OpenAPI 3.1 with no key twice (Swagger UI at /api/v1/docs refuses a
"duplicated mapping key"). Whatever a photographer's app sends — random ids, bodies, files, query
strings — the API answers with a 4xx or a success that matches the schema, never a 500 (rule 3,
R14, T2).
"""

import json
import socket
from collections import Counter

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator

from config.wsgi import application
from proofsheet.accounts.tests.factories import PASSWORD
from proofsheet.galleries.tests.factories import GalleryFactory, PhotographerFactory

EXAMPLES_PER_OPERATION = 25


def no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """json's object hook that refuses an object holding one key twice (json keeps the last)."""
    keys = [key for key, _ in pairs]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ValueError(f"duplicated keys {duplicates} in an object with keys {keys}")
    return dict(pairs)


def openapi_document(client: Client) -> dict:
    """/api/v1/openapi.json parsed from its raw bytes, refusing duplicated keys."""
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return json.loads(response.content, object_pairs_hook=no_duplicate_keys)


def test_the_openapi_document_has_no_duplicated_key(client):
    document = openapi_document(client)

    assert "/api/v1/me" in document["paths"]


def test_the_openapi_document_is_valid_openapi_3_1(client, monkeypatch):
    document = openapi_document(client)

    def offline(*args, **kwargs):
        raise AssertionError("the validator went to the network; its schemas ship with it")

    # The meta-schemas come with openapi-spec-validator; nothing is fetched.
    monkeypatch.setattr(socket.socket, "connect", offline)
    validate(document, cls=OpenAPIV31SpecValidator)


def test_the_selection_export_documents_both_of_its_answers(client):
    """CSV by default, Lightroom's filter as JSON, under the one 200 response."""
    operation = openapi_document(client)["paths"][
        "/api/v1/galleries/{gallery_id}/selections/{list_id}/export"
    ]["get"]

    assert sorted(operation["responses"]) == ["200", "404"]
    assert sorted(operation["responses"]["200"]["content"]) == ["application/json", "text/csv"]


def app_token() -> str:
    """A photographer with a gallery, logged in as an app (allauth headless session token)."""
    user = PhotographerFactory()
    GalleryFactory(owner=user)
    response = Client().post(
        "/_allauth/app/v1/auth/login",
        {"email": user.email, "password": PASSWORD},
        content_type="application/json",
    )
    return response.json()["meta"]["session_token"]


# Transactional: the WSGI app closes its database connection after each request.
@pytest.mark.django_db(transaction=True)
def test_no_operation_ever_answers_with_a_server_error(media):
    # One test walks every operation (pytest-xdist would otherwise run just the first of the
    # plugin's sub-tests).
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    token = app_token()
    statuses: Counter[int] = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]

    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def check(case):
            # The in-process WSGI transport does not inflate gzip; the wire format is not the point.
            case.headers = {
                **dict(case.headers or {}),
                "X-Session-Token": token,
                "Accept-Encoding": "identity",
            }
            response = case.call()
            statuses[response.status_code] += 1
            assert response.status_code < 500, (case.method, case.path, response.text[:300])
            case.validate_response(
                response, checks=[schemathesis.checks.response_schema_conformance]
            )

        check()

    assert len(operations) >= 15
    # The cases got past authentication and did real work, not only 401s and 422s.
    assert sum(n for status, n in statuses.items() if status < 300) > 50, statuses
