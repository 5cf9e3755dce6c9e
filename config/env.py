"""Read configuration from the environment (and `.env` if present), with embedded defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
_dotenv = Path(os.environ.get("PROOFSHEET_DOTENV", BASE_DIR / ".env"))
if _dotenv.is_file():
    env.read_env(str(_dotenv), overwrite=False)

ENVIRONMENTS = ("development", "test", "production")


def proofsheet_env() -> str:
    """Return the deployment mode: development (embedded default), test or production."""
    value = env.str("PROOFSHEET_ENV", default="development")
    if value not in ENVIRONMENTS:
        raise environ.ImproperlyConfigured(
            f"PROOFSHEET_ENV must be one of {', '.join(ENVIRONMENTS)}, not {value!r}"
        )
    return value


def var_dir() -> Path:
    """Return the folder for embedded state (SQLite, media, mail, generated secret)."""
    path = Path(env.str("PROOFSHEET_VAR_DIR", default=str(BASE_DIR / "var"))).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_key(mode: str, var: Path) -> str:
    """Return SECRET_KEY from the environment, else one generated into var/ (not in production)."""
    value = env.str("SECRET_KEY", default="")
    if value:
        return value
    if mode == "production":
        raise environ.ImproperlyConfigured("SECRET_KEY must be set when PROOFSHEET_ENV=production")
    key_file = var / "secret_key"
    if not key_file.exists():
        # Write aside, then link into place: two processes starting together agree on one key
        # and neither ever reads a half-written file.
        tmp = var / f".secret_key.{os.getpid()}"
        tmp.write_text(secrets.token_urlsafe(50))
        tmp.chmod(0o600)
        try:
            os.link(tmp, key_file)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return key_file.read_text().strip()


# Where `proofsheet serve` records the address it serves, for the instance's other commands.
SERVED_URL_FILE = "site_url"
DEFAULT_SITE_URL = "http://127.0.0.1:8000"


def site_url(var: Path) -> str:
    """Return SITE_URL: the environment's, else what `proofsheet serve` recorded, else the default.

    A bare `make run` on another port must not email links to port 8000, and `proofsheet import`
    in a second terminal has no port of its own to go by: the instance's var/ folder is what the
    server and those commands share, so the server leaves its address there.
    """
    value = env.str("SITE_URL", default="")
    if not value:
        try:
            value = (var / SERVED_URL_FILE).read_text().strip()
        except OSError:
            value = ""
    return (value or DEFAULT_SITE_URL).rstrip("/")


def served_url_record(var: Path, url: str) -> None:
    """Record the address this instance is served at (written aside, then moved into place)."""
    tmp = var / f".{SERVED_URL_FILE}.{os.getpid()}"
    tmp.write_text(url + "\n")
    os.replace(tmp, var / SERVED_URL_FILE)


MAIL_BACKENDS = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtp+tls": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "memory": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}


def mailer_from_url(url: str, *, timeout: int = 10) -> dict:
    """Turn EMAIL_URL into a Django MAILERS entry.

    smtp://user:pass@host:25 (plain or STARTTLS when offered), smtp+tls:// (STARTTLS required),
    smtps:// (implicit TLS), file:///absolute/folder, console://, memory://, dummy://.
    """
    from urllib.parse import parse_qs, unquote, urlsplit

    parts = urlsplit(url)
    if parts.scheme not in MAIL_BACKENDS:
        raise environ.ImproperlyConfigured(
            f"EMAIL_URL scheme must be one of {', '.join(MAIL_BACKENDS)}, not {parts.scheme!r}"
        )
    options: dict = {}
    if parts.scheme.startswith("smtp"):
        query = parse_qs(parts.query)
        options = {
            "host": parts.hostname or "localhost",
            "port": parts.port or (465 if parts.scheme == "smtps" else 25),
            "username": unquote(parts.username) if parts.username else None,
            "password": unquote(parts.password) if parts.password else None,
            "use_tls": parts.scheme == "smtp+tls",
            "use_ssl": parts.scheme == "smtps",
            "timeout": int(query.get("timeout", [timeout])[0]),
        }
    elif parts.scheme == "file":
        if not parts.path.startswith("/"):
            raise environ.ImproperlyConfigured("EMAIL_URL file:// needs an absolute folder")
        options = {"file_path": parts.path}
    return {"BACKEND": MAIL_BACKENDS[parts.scheme], "OPTIONS": options}
