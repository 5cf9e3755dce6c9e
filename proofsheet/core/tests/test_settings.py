"""Configuration from the environment: embedded defaults, production rules, security headers."""

import subprocess

import pytest

from tests.support import BIN, ROOT, subprocess_env

PRODUCTION = {
    "PROOFSHEET_ENV": "production",
    "SECRET_KEY": "a-production-secret-that-is-long-enough-for-django-checks-0123456789",
    "SITE_URL": "https://photos.example.test",
    "ADMIN_PATH": "staff-only",
    "EMAIL_URL": "smtp+tls://mailer:secret@mail.example.test:587",
}


def proofsheet(*args, **env):
    return subprocess.run(
        [str(BIN / "proofsheet"), *args],
        env=subprocess_env(**env),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def setting(name, **env):
    code = (
        f"import django; django.setup(); from django.conf import settings; print(settings.{name})"
    )
    result = subprocess.run(
        [str(BIN / "python"), "-c", code],
        capture_output=True,
        text=True,
        env=subprocess_env(DJANGO_SETTINGS_MODULE="config.settings", **env),
        cwd=ROOT,
        timeout=60,
    )
    return result


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = setting(
        "SECRET_KEY", PROOFSHEET_ENV="production", SECRET_KEY="", PROOFSHEET_VAR_DIR=str(tmp_path)
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set when PROOFSHEET_ENV=production" in result.stderr


def test_the_embedded_secret_key_is_generated_once_and_kept(tmp_path):
    env = {"PROOFSHEET_ENV": "development", "SECRET_KEY": "", "PROOFSHEET_VAR_DIR": str(tmp_path)}
    first = setting("SECRET_KEY", **env).stdout.strip()
    second = setting("SECRET_KEY", **env).stdout.strip()
    assert len(first) >= 50
    assert first == second == (tmp_path / "secret_key").read_text()
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_hashes_passwords_with_argon2(tmp_path):
    result = setting("PASSWORD_HASHERS[0]", PROOFSHEET_VAR_DIR=str(tmp_path), **PRODUCTION)
    assert result.stdout.strip() == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_check_deploy_is_clean_in_production(tmp_path):
    result = proofsheet(
        "manage",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        PROOFSHEET_VAR_DIR=str(tmp_path),
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_collects_static_files(tmp_path):
    result = proofsheet(
        "manage",
        "collectstatic",
        "--noinput",
        "-v",
        "0",
        PROOFSHEET_VAR_DIR=str(tmp_path),
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    manifest = (tmp_path / "static" / "staticfiles.json").read_text()
    assert "proofsheet.css" in manifest and "favicon.svg" in manifest


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "nosuchdb://x"}, "nosuchdb"),
        ({"STORAGE_BACKEND": "floppy"}, "STORAGE_BACKEND must be 'local' or 's3'"),
        ({"STORAGE_BACKEND": "s3"}, "S3_BUCKET must be set"),
        ({"TASK_BACKEND": "carrier-pigeon"}, "TASK_BACKEND must be one of"),
        ({"EMAIL_URL": "gopher://mail"}, "EMAIL_URL scheme must be one of"),
        ({"PROOFSHEET_ENV": "staging"}, "PROOFSHEET_ENV must be one of"),
    ],
)
def test_misconfiguration_is_a_clear_error(tmp_path, env, message):
    result = setting("DATABASES", PROOFSHEET_VAR_DIR=str(tmp_path), **env)
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.django_db
def test_admin_lives_on_its_own_path(client, settings):
    assert settings.ADMIN_PATH == "backoffice/"
    assert client.get("/admin/").status_code == 404
    response = client.get("/backoffice/", follow=True)
    # The admin's own log-in form is replaced by allauth's (with its lockout rules).
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")


@pytest.mark.django_db
def test_pages_carry_security_headers(client):
    response = client.get("/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_home_page_leads_to_sign_up_and_log_in(client):
    page = client.get("/").text
    assert "Proofsheet" in page
    assert 'href="/accounts/signup/"' in page
    assert 'href="/accounts/login/"' in page
