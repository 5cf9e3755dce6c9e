"""Helpers for tests that run real processes and servers."""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
import time
from email.message import Message
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# Real camera photos, carried by the repository (source and licence in their README.md).
PHOTOS = ROOT / "tests" / "data" / "photos"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(
    port: int, timeout: float = 30.0, process: subprocess.Popen | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listened on port {port} within {timeout} s")


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- database as a URL, for other processes ---------------------------------------------------


def database_url() -> str:
    """Return a DATABASE_URL pointing other processes at the current test database."""
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    user = s.get("USER") or ""
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


def subprocess_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))}
    env.update(
        PROOFSHEET_ENV="test",
        DATABASE_URL=database_url(),
        PYTHONUNBUFFERED="1",
        BREACHED_PASSWORD_BACKEND="none",
    )
    env.update(extra)
    return env


def mail_text(message: Message) -> str:
    """Return the plain-text body of a (possibly multipart) message."""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    raise AssertionError("message has no text/plain part")


def require_service(url: str, name: str) -> None:
    """Skip when a loopback service is down; fail instead under PROOFSHEET_REQUIRE_SERVICES=1."""
    import pytest

    reachable = (
        subprocess.run([sys.executable, str(ROOT / "scripts" / "reachable.py"), url]).returncode
        == 0
    )
    if reachable:
        return
    message = f"{name} is not reachable at {url}"
    if os.environ.get("PROOFSHEET_REQUIRE_SERVICES") == "1":
        pytest.fail(message)
    pytest.skip(message)


def stored_files(root: Path) -> list[str]:
    """Every file under a storage folder, relative to it."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def s3_storages(bucket, *, public_base_url: str = "") -> dict:
    """STORAGES exactly as settings.py builds them for STORAGE_BACKEND=s3 and this bucket.

    Built in a fresh process from environment variables, so the tests exercise the real settings.
    """
    import json

    env = {
        "STORAGE_BACKEND": "s3",
        "S3_ENDPOINT_URL": bucket.endpoint,
        "S3_BUCKET": bucket.name,
        "S3_ACCESS_KEY_ID": "test",
        "S3_SECRET_ACCESS_KEY": "test",
        "S3_REGION": "us-east-1",
        "S3_PUBLIC_BASE_URL": public_base_url,
    }
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.STORAGES))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env=subprocess_env(DJANGO_SETTINGS_MODULE="config.settings", **env),
    )
    return json.loads(out.stdout)


def get_json(url: str) -> tuple[int, dict]:
    """GET a JSON document from a running server: (status, body), also for 4xx/5xx answers."""
    import json
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def run_together(count: int, work) -> tuple[list, list]:
    """Run `work(n)` for n in range(count) on parallel threads released at once by a barrier;
    return (results, errors). PostgreSQL's connection limit is shared with the whole machine, so
    at most the free connections (less a margin) run at once, each taking jobs until none is left.
    """
    from django.db import connection, connections

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('max_connections')::int - count(*) FROM pg_stat_activity"
        )
        free = cursor.fetchone()[0]
    threads_count = max(4, min(count, free - 15))
    jobs: queue.Queue[int] = queue.Queue()
    for n in range(count):
        jobs.put(n)
    barrier = threading.Barrier(threads_count)
    results, errors = [], []

    def runner():
        try:
            barrier.wait()
            while True:
                try:
                    n = jobs.get_nowait()
                except queue.Empty:
                    return
                try:
                    results.append(work(n))
                except Exception as exc:  # collected for the caller's assertions
                    errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def use_local_media(settings, root: Path) -> Path:
    """Point the public and private storages (and partial uploads) at folders under `root`."""
    settings.STORAGES = settings.STORAGES | {
        "public": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {
                "location": str(root / "public"),
                "base_url": "/media/public/",
                "allow_overwrite": True,
            },
        },
        "private": {
            "BACKEND": "proofsheet.core.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(root / "private")},
        },
    }
    settings.UPLOAD_TMP_DIR = str(root / "uploads")
    return root
