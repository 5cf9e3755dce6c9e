"""/api/v1: OpenAPI, docs, and authentication by session and by app token."""

import pytest
from django.test import Client

from proofsheet.accounts.models import Role, User
from proofsheet.accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_openapi_and_docs_are_served(client):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    assert "/api/v1/me" in spec.json()["paths"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "swagger" in docs.text.lower()


def test_me_needs_authentication(client):
    assert client.get("/api/v1/me").status_code == 401


def test_me_with_the_browser_session(client):
    user = UserFactory(role=Role.PHOTOGRAPHER, display_name="Ada")
    client.force_login(user)

    body = client.get("/api/v1/me").json()

    assert body == {
        "id": str(user.public_id),
        "email": user.email,
        "role": "photographer",
        "display_name": "Ada",
    }


def test_me_with_an_app_session_token():
    user = UserFactory()
    app = Client()
    login = app.post(
        "/_allauth/app/v1/auth/login",
        {"email": user.email, "password": PASSWORD},
        content_type="application/json",
    )
    assert login.status_code == 200, login.content
    token = login.json()["meta"]["session_token"]

    assert app.get("/api/v1/me").status_code == 401  # no cookie session for apps
    me = app.get("/api/v1/me", headers={"X-Session-Token": token})
    assert me.status_code == 200
    assert me.json()["email"] == user.email

    app.delete("/_allauth/app/v1/auth/session", headers={"X-Session-Token": token})
    assert app.get("/api/v1/me", headers={"X-Session-Token": token}).status_code == 401


def test_app_login_is_throttled_like_the_web_login():
    user = UserFactory()
    app = Client()
    for _ in range(5):
        app.post(
            "/_allauth/app/v1/auth/login",
            {"email": user.email, "password": "nope nope nope"},
            content_type="application/json",
        )
    response = app.post(
        "/_allauth/app/v1/auth/login",
        {"email": user.email, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "Too many failed login attempts" in response.text


def test_a_wrong_token_is_401(client):
    assert client.get("/api/v1/me", headers={"X-Session-Token": "forged"}).status_code == 401


def test_apps_sign_up_with_a_role_and_must_verify(django_capture_on_commit_callbacks, mailoutbox):
    app = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = app.post(
            "/_allauth/app/v1/auth/signup",
            {
                "email": "app@example.test",
                "password": "sunrise-over-the-quay-3",
                "role": "photographer",
            },
            content_type="application/json",
        )

    assert response.status_code == 401  # created, but not logged in before verification
    assert [flow["id"] for flow in response.json()["data"]["flows"] if flow.get("is_pending")] == [
        "verify_email"
    ]
    assert User.objects.get(email="app@example.test").role == Role.PHOTOGRAPHER
    assert mailoutbox[0].to == ["app@example.test"]


def test_apps_cannot_sign_up_as_admin():
    response = Client().post(
        "/_allauth/app/v1/auth/signup",
        {"email": "x@example.test", "password": "sunrise-over-the-quay-3", "role": "admin"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["param"] == "role"


def test_the_openapi_document_describes_its_authentication(client):
    schemes = client.get("/api/v1/openapi.json").json()["components"]["securitySchemes"]
    assert schemes["SessionTokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-Session-Token",
    }
    assert schemes["SessionAuth"]["in"] == "cookie"
