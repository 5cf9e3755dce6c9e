"""`proofsheet user add` and `proofsheet demo`."""

import pytest
from click.testing import CliRunner
from django.test import Client
from django.urls import reverse

from proofsheet.accounts.models import Role, User
from proofsheet.cli import main

pytestmark = pytest.mark.django_db


def run(*args, stdin=None):
    return CliRunner().invoke(main, list(args), input=stdin)


def can_log_in(email, password) -> bool:
    client = Client()
    return (
        client.post(reverse("account_login"), {"login": email, "password": password}).status_code
        == 302
    )


def test_user_add_admin_prints_a_working_generated_password():
    result = run("user", "add", "Boss@Example.test", "--role", "admin")

    assert result.exit_code == 0, result.output
    assert "Created admin boss@example.test" in result.output
    password = result.output.split("Password: ")[1].strip()
    user = User.objects.get(email="boss@example.test")
    assert user.role == Role.ADMIN and user.is_staff and user.is_superuser
    client = Client()
    client.post(reverse("account_login"), {"login": "boss@example.test", "password": password})
    assert client.get(reverse("admin:index")).status_code == 200


def test_user_add_reads_the_password_from_stdin():
    result = run(
        "user",
        "add",
        "p@example.test",
        "--role",
        "photographer",
        "--password-stdin",
        stdin="field-notes-and-film-9\n",
    )

    assert result.exit_code == 0, result.output
    assert "Password:" not in result.output
    assert User.objects.get(email="p@example.test").role == Role.PHOTOGRAPHER
    assert can_log_in("p@example.test", "field-notes-and-film-9")


def test_user_add_refuses_weak_passwords_and_duplicates():
    weak = run(
        "user", "add", "p@example.test", "--role", "client", "--password-stdin", stdin="short\n"
    )
    assert weak.exit_code == 1
    assert "password rejected" in weak.output and "at least 12 characters" in weak.output

    assert run("user", "add", "p@example.test", "--role", "client").exit_code == 0
    duplicate = run("user", "add", "P@example.test", "--role", "client")
    assert duplicate.exit_code == 1
    assert "already exists" in duplicate.output
    assert User.objects.count() == 1


def test_user_add_rejects_an_unknown_role():
    result = run("user", "add", "p@example.test", "--role", "superhero")
    assert result.exit_code == 2
    assert not User.objects.exists()


def test_demo_creates_accounts_once():
    result = run("demo")

    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines()[1:]]
    assert {line[0] for line in lines} == {"photographer", "client"}
    for _role, email, password in lines:
        assert can_log_in(email, password)

    again = run("demo")
    assert again.exit_code == 1
    assert "already here" in again.output
