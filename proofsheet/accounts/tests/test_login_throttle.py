"""Failed log-ins lock an account for 15 minutes after 5 failures; IPs are throttled (R20-22)."""

import threading
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.contrib.auth import hashers
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from proofsheet.accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed login attempts"


def login(client, email, password, **extra):
    return client.post(reverse("account_login"), {"login": email, "password": password}, **extra)


def test_five_failures_lock_the_account_even_for_the_right_password(client):
    user = UserFactory()
    for _ in range(5):
        response = login(client, user.email, "wrong password!!")
        assert response.status_code == 200
        assert "not correct" in response.text

    response = login(client, user.email, PASSWORD)

    assert response.status_code == 200
    assert LOCKED in response.text
    assert client.get(reverse("account")).status_code == 302


def test_lock_is_checked_before_the_password_is_hashed(client):
    user = UserFactory()
    for _ in range(5):
        login(client, user.email, "wrong password!!")

    with mock.patch("django.contrib.auth.base_user.check_password") as check:
        login(client, user.email, PASSWORD)

    check.assert_not_called()


def test_lock_expires_after_fifteen_minutes(client):
    user = UserFactory()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            login(client, user.email, "wrong password!!")
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        assert LOCKED in login(client, user.email, PASSWORD).text
    with time_machine.travel(start + timedelta(minutes=16), tick=False):
        assert login(client, user.email, PASSWORD).status_code == 302


def test_success_resets_the_consecutive_failures(client):
    user = UserFactory()
    for _ in range(4):
        login(client, user.email, "wrong password!!")
    assert login(client, user.email, PASSWORD).status_code == 302
    client.post(reverse("account_logout"))
    for _ in range(4):
        login(client, user.email, "wrong password!!")

    assert login(client, user.email, PASSWORD).status_code == 302


def test_unknown_and_known_accounts_answer_alike(client):
    user = UserFactory()
    known = login(client, user.email, "wrong password!!")
    unknown = login(client, "nobody@example.test", "wrong password!!")
    assert known.status_code == unknown.status_code == 200
    assert "not correct" in known.text and "not correct" in unknown.text

    for _ in range(5):
        login(client, user.email, "wrong password!!")
        login(client, "nobody@example.test", "wrong password!!")
    assert LOCKED in login(client, user.email, "x" * 12).text
    assert LOCKED in login(client, "nobody@example.test", "x" * 12).text


def test_an_unknown_account_still_costs_a_hash(client):
    with mock.patch(
        "django.contrib.auth.base_user.make_password", wraps=hashers.make_password
    ) as make:
        login(client, "nobody@example.test", "wrong password!!")
    assert make.call_count == 1


def test_one_ip_is_throttled_across_accounts(client, settings):
    settings.LOGIN_THROTTLE = settings.LOGIN_THROTTLE | {"IP_FAILURES": 3}
    users = UserFactory.create_batch(4)
    for user in users[:3]:
        login(client, user.email, "wrong password!!", REMOTE_ADDR="203.0.113.9")

    assert LOCKED in login(client, users[3].email, PASSWORD, REMOTE_ADDR="203.0.113.9").text
    # Another address is not affected.
    assert login(Client(), users[3].email, PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 302


def test_a_spoofed_forwarded_for_header_does_not_reset_the_ip_counter(client, settings):
    settings.LOGIN_THROTTLE = settings.LOGIN_THROTTLE | {"IP_FAILURES": 3}
    users = UserFactory.create_batch(4)
    for n, user in enumerate(users[:3]):
        login(
            client,
            user.email,
            "wrong password!!",
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        )

    response = login(
        client,
        users[3].email,
        PASSWORD,
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="10.0.0.99",
    )
    assert LOCKED in response.text


def test_behind_one_trusted_proxy_the_forwarded_address_counts(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.LOGIN_THROTTLE = settings.LOGIN_THROTTLE | {"IP_FAILURES": 2}
    users = UserFactory.create_batch(3)
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for user in users[:2]:
        login(
            Client(),
            user.email,
            "wrong password!!",
            HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9",
            **proxy,
        )

    # The client-written left part changes, the proxy-written right part is the same: locked.
    assert (
        LOCKED
        in login(
            Client(), users[2].email, PASSWORD, HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.9", **proxy
        ).text
    )
    # A different client behind the same proxy is not.
    assert (
        login(
            Client(), users[2].email, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy
        ).status_code
        == 302
    )


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_wrong_passwords_hash_at_most_five_times():
    """100 parallel wrong passwords for one account: ≤ 5 hashes, then locked (T3f)."""
    user = UserFactory()
    calls = []
    real_check = hashers.check_password
    lock = threading.Lock()

    def counting_check(*args, **kwargs):
        with lock:
            calls.append(1)
        return real_check(*args, **kwargs)

    barrier = threading.Barrier(20)
    statuses, errors = [], []

    def attempt(n):
        try:
            barrier.wait()
            for _ in range(5):
                response = login(
                    Client(), user.email, "wrong password!!", REMOTE_ADDR=f"198.51.100.{n}"
                )
                statuses.append(response.status_code)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    with mock.patch("django.contrib.auth.base_user.check_password", side_effect=counting_check):
        threads = [threading.Thread(target=attempt, args=(n,)) for n in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert errors == []
    assert statuses == [200] * 100
    assert len(calls) <= 5
    assert LOCKED in login(Client(), user.email, PASSWORD).text
