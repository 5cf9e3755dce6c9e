"""Password policy, Argon2 hashing and the breached-password checker (R18, R19)."""

import hashlib
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from proofsheet.accounts.models import User
from proofsheet.accounts.passwords import PwnedPasswordsChecker
from proofsheet.accounts.services import user_create
from tests.support import free_port

BREACHED = "monkey-business-2019"
SAFE = "quiet-orchard-lantern-77"


@pytest.fixture
def pwned_api():
    """A local stand-in for the Pwned Passwords range API that knows one breached password."""
    digest = hashlib.sha1(BREACHED.encode(), usedforsecurity=False).hexdigest().upper()
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            prefix = self.path.rsplit("/", 1)[-1]
            requests.append(prefix)
            lines = ["0018A45C4D1DEF81644B54AB7F969B88D65:3"]
            if prefix == digest[:5]:
                lines.append(f"{digest[5:]}:52")
            body = "\r\n".join(lines).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/range/", requests
    server.shutdown()


def test_checker_finds_a_breached_password_by_prefix_only(pwned_api):
    url, requests = pwned_api
    checker = PwnedPasswordsChecker(url=url)

    assert checker.breach_count(BREACHED) == 52
    assert checker.breach_count(SAFE) == 0
    # Only five hex characters of the hash ever left the machine.
    assert all(len(prefix) == 5 for prefix in requests)


@pytest.mark.django_db
def test_signup_refuses_a_breached_password(client, settings, pwned_api):
    settings.BREACHED_PASSWORDS = {
        "BACKEND": "proofsheet.accounts.passwords.PwnedPasswordsChecker",
        "OPTIONS": {"url": pwned_api[0], "timeout": 2},
    }
    response = client.post(
        reverse("account_signup"),
        {"role": "client", "email": "a@example.test", "password1": BREACHED, "password2": BREACHED},
    )

    assert response.status_code == 200
    assert "appeared in a data breach" in response.text
    assert not User.objects.exists()


@pytest.mark.django_db
def test_unreachable_checker_allows_the_password_and_logs(client, settings, caplog):
    settings.BREACHED_PASSWORDS = {
        "BACKEND": "proofsheet.accounts.passwords.PwnedPasswordsChecker",
        "OPTIONS": {"url": f"http://127.0.0.1:{free_port()}/range/", "timeout": 2},
    }
    with caplog.at_level(logging.WARNING, logger="proofsheet.accounts.passwords"):
        response = client.post(
            reverse("account_signup"),
            {"role": "client", "email": "a@example.test", "password1": SAFE, "password2": SAFE},
        )

    assert response.status_code == 302
    assert User.objects.filter(email="a@example.test").exists()
    assert "breached-password check unavailable" in caplog.text


def test_argon2id_hashes_long_and_multibyte_passwords_exactly():
    hundred = "p" * 100
    encoded = make_password(hundred, hasher="argon2")
    assert encoded.startswith("argon2$argon2id$")
    assert check_password(hundred, encoded)
    assert not check_password("p" * 99, encoded)

    # 73 bytes of UTF-8: a bcrypt-style 72-byte truncation would accept the shorter one.
    multibyte = "é" * 36 + "x"
    assert len(multibyte.encode()) == 73
    encoded = make_password(multibyte, hasher="argon2")
    assert check_password(multibyte, encoded)
    assert not check_password("é" * 36 + "y", encoded)


@pytest.mark.django_db
def test_user_create_validates_a_given_password():
    with pytest.raises(ValidationError, match="too common"):
        user_create(email="a@example.test", role="client", password="1qaz2wsx3edc")
    user, password = user_create(email="b@example.test", role="client")
    assert len(password) >= 20
    assert user.check_password(password)
