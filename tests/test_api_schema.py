"""Property-based tests of /api/v1 from its own OpenAPI document (schemathesis, in-process).

Whatever a photographer's app sends — random ids, bodies, files, query strings — the API answers
with a 4xx or a success that matches the schema, never a 500 (rule 3, R14, T2).
"""

from collections import Counter

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from config.wsgi import application
from proofsheet.accounts.tests.factories import PASSWORD
from proofsheet.galleries.tests.factories import GalleryFactory, PhotographerFactory

EXAMPLES_PER_OPERATION = 25


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
