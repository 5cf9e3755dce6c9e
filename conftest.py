"""Shared fixtures: real servers on loopback (SMTP, S3, the Proofsheet server) and Chromium."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest

from tests.support import (
    BIN,
    PHOTOS,
    ROOT,
    free_port,
    stop_process,
    subprocess_env,
    use_local_media,
    wait_for_port,
)


def pytest_runtest_setup(item):
    """`postgres_only` tests (races) run on PostgreSQL; make test runs the suite there too."""
    if item.get_closest_marker("postgres_only"):
        from django.db import connection

        if connection.vendor != "postgresql":
            pytest.skip("concurrency needs PostgreSQL; SQLite serialises writers and hides races")


RACES_LOCK = Path(tempfile.gettempdir()) / f"proofsheet-postgres-races-{os.getuid()}.lock"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """One PostgreSQL race at a time across xdist workers (and concurrent test runs): each sizes
    its thread pool to the free connections, which two races at once would overrun. A file lock,
    because xdist's `loadgroup` no longer groups under this pytest (the node id it rewrites is
    not the one pytest reports)."""
    if not item.get_closest_marker("postgres_only"):
        return (yield)
    with open(RACES_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return (yield)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def pytest_configure(config):
    """The suite needs the real camera photos; without them it must fail, not quietly shrink."""
    if not (PHOTOS / "Canon_40D.jpg").is_file():
        raise pytest.UsageError(
            f"The test photos are missing at {PHOTOS}: they are part of the repository; "
            "restore them with `git checkout -- tests/data/photos`."
        )


# --- SMTP ---------------------------------------------------------------------------------


@dataclass
class SMTPServer:
    port: int
    messages: list[Message] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def wait_for(self, count: int = 1, timeout: float = 30.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(self.messages) >= count, f"expected {count} mail(s), got {len(self.messages)}"
        return self.messages


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    """A real SMTP server (aiosmtpd) on loopback that keeps every message it receives."""
    from aiosmtpd.controller import Controller

    server = SMTPServer(port=free_port())

    class Handler:
        async def handle_DATA(self, smtp, session, envelope):
            server.messages.append(message_from_bytes(envelope.content))
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=server.port)
    controller.start()
    yield server
    controller.stop()


# --- S3 (moto's server mode) ----------------------------------------------------------------


@dataclass
class S3Server:
    endpoint: str


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """moto's S3-compatible HTTP server on loopback."""
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process=process)
        yield S3Server(endpoint=f"http://127.0.0.1:{port}")
    finally:
        stop_process(process)


@dataclass
class S3Bucket:
    client: object
    name: str
    endpoint: str


@pytest.fixture
def s3_bucket(s3_server) -> S3Bucket:
    """A fresh bucket on the moto server whose public/ prefix anyone may read (as a CDN needs)."""
    import json
    import uuid

    import boto3

    name = f"proofsheet-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_server.endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_bucket(Bucket=name)
    client.put_bucket_policy(
        Bucket=name,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{name}/public/*",
                    }
                ],
            }
        ),
    )
    return S3Bucket(client=client, name=name, endpoint=s3_server.endpoint)


# --- Stripe (a stand-in server for Connect, refunds, disputes, webhooks) --------------------

# `stripe_standin` runs it for the session; `standin` resets it per test. tests/stripe_standin/
from tests.stripe_standin import standin, stripe_standin  # noqa: E402, F401

# --- the real server --------------------------------------------------------------------


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen
    log: Path


@pytest.fixture
def server_env() -> dict[str, str]:
    """Extra environment for `proofsheet_server`; override this fixture in a test module."""
    return {}


@pytest.fixture
def proofsheet_server(transactional_db, tmp_path, server_env, settings) -> Iterator[LiveServer]:
    """Run `proofsheet serve` (web server + worker) on a free port against the test database.

    Tasks go through the real database queue and the worker that `serve` starts. The server
    shares this process's SECRET_KEY, as it shares its database: access codes, signed links and
    tokens made by the test are the server's own.
    """
    port = free_port()
    log = tmp_path / "server.log"
    env = subprocess_env(
        SECRET_KEY=settings.SECRET_KEY,
        TASK_BACKEND="database",
        PROOFSHEET_VAR_DIR=str(tmp_path / "var"),
        SITE_URL=f"http://127.0.0.1:{port}",
        **server_env,
    )
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(BIN / "proofsheet"), "serve", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    try:
        wait_for_port(port, process=process)
        yield LiveServer(url=f"http://127.0.0.1:{port}", process=process, log=log)
    finally:
        stop_process(process)
        # Shown by pytest only when the test failed.
        sys.stderr.write(f"--- proofsheet serve log ---\n{log.read_text(errors='replace')[-8000:]}")


# --- localstripe (an offline, stateful Stripe server) ------------------------------------


@dataclass
class LocalStripe:
    base_url: str

    def register_webhook(self, url: str, secret: str, name: str = "proofsheet") -> None:
        """localstripe signs its events with `secret` and posts them to `url` about 1 s later
        (once, no retry). A registration under the same name replaces the last one."""
        import urllib.parse
        import urllib.request

        body = urllib.parse.urlencode({"url": url, "secret": secret})
        request = urllib.request.Request(
            f"{self.base_url}/_config/webhooks/{name}", data=body.encode(), method="POST"
        )
        urllib.request.urlopen(request, timeout=10).read()


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory) -> Iterator[LocalStripe]:
    """localstripe on loopback for the session (its state is kept in memory)."""
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "localstripe"), "--port", str(port), "--from-scratch"],
        cwd=tmp_path_factory.mktemp("localstripe"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process=process)
        yield LocalStripe(base_url=f"http://127.0.0.1:{port}")
    finally:
        stop_process(process)


# --- Chromium -----------------------------------------------------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright (installed by scripts/ensure-chromium)."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("chromium is not installed: run scripts/ensure-chromium (make test does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(params=["phone", "desktop"])
def page(chromium, request):
    """A fresh browser page, once as a phone and once as a desktop."""
    if request.param == "phone":
        context = chromium.new_context(
            viewport={"width": 390, "height": 844},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
        )
    else:
        context = chromium.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def media(settings, tmp_path):
    """Empty public and private storage folders of this test's own (returns their parent)."""
    return use_local_media(settings, tmp_path)


@pytest.fixture
def photographer_client(db):
    """A test client logged in as a new photographer (the user is `client.user`)."""
    from django.test import Client

    from proofsheet.galleries.tests.factories import PhotographerFactory

    client = Client()
    client.user = PhotographerFactory()
    client.force_login(client.user)
    return client
