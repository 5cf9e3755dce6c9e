"""`proofsheet serve`: readiness, and the worker it supervises."""

import json
import subprocess
import time

import psutil
import pytest
from django.core.mail import EmailMessage

from proofsheet.notifications.services import email_queue_message
from tests.support import BIN, ROOT, free_port, get_json, stop_process, wait_for_port

pytestmark = pytest.mark.server


@pytest.fixture
def server_env(smtp_server):
    return {"EMAIL_URL": smtp_server.url}


def worker_processes(server) -> list[psutil.Process]:
    found = []
    for child in psutil.Process(server.process.pid).children():
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "worker" in child.cmdline():
                found.append(child)
        except psutil.Error:
            pass  # exited while we looked
    return found


def test_a_killed_worker_is_restarted_and_work_goes_on(proofsheet_server, smtp_server, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    [worker] = worker_processes(proofsheet_server)

    worker.kill()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        alive = [p for p in worker_processes(proofsheet_server) if p.pid != worker.pid]
        if alive:
            break
        time.sleep(0.2)
    assert alive, "serve did not restart its worker"

    email_queue_message(
        EmailMessage("After the restart", "…", "a@example.test", ["b@example.test"])
    )
    assert smtp_server.wait_for(1)[0]["Subject"] == "After the restart"


def test_readyz_is_503_with_the_reason_when_the_database_is_down(tmp_path):
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "PROOFSHEET_ENV": "development",
        "PROOFSHEET_DOTENV": "/nonexistent",
        "PROOFSHEET_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "x" * 50,
        "DATABASE_URL": f"postgres://nobody@127.0.0.1:{free_port()}/gone",
    }
    process = subprocess.Popen(
        [str(BIN / "proofsheet"), "serve", "--no-worker", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process=process)
        assert get_json(f"http://127.0.0.1:{port}/healthz") == (200, {"status": "ok"})
        status, body = get_json(f"http://127.0.0.1:{port}/readyz")
    finally:
        stop_process(process)

    assert status == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["database"].startswith("unavailable")
    assert "Traceback" not in json.dumps(body)


def test_links_follow_the_port_served_and_so_do_the_instances_other_commands(
    transactional_db, tmp_path, settings
):
    """`PORT=8771 make run` with no SITE_URL: pages, the worker and `proofsheet import` all
    link to port 8771, not to the default 8000."""
    import re
    import shutil
    import urllib.request

    from proofsheet.accounts.services import user_create
    from proofsheet.galleries import services
    from tests.support import PHOTOS, subprocess_env

    owner, _ = user_create(email="ph@example.test", role="photographer")
    public = services.gallery_create(owner=owner, title="Harbour", visibility="public")
    port = free_port()
    env = subprocess_env(
        SECRET_KEY=settings.SECRET_KEY,
        TASK_BACKEND="database",
        PROOFSHEET_VAR_DIR=str(tmp_path / "var"),
    )
    env.pop("SITE_URL", None)
    site = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [str(BIN / "proofsheet"), "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process=process)
        # The web server: the gallery's share link.
        with urllib.request.urlopen(f"{site}/g/{public.public_id}/", timeout=10) as response:
            page = response.read().decode()
        # The worker beside it renders with the same address.
        worker = next(p for p in psutil.Process(process.pid).children() if "worker" in p.cmdline())
        worker_site_url = worker.environ().get("SITE_URL")
    finally:
        stop_process(process)

    gallery_link = f"{site}/g/{public.public_id}/"
    assert f'data-share-url="{gallery_link}"' in page
    assert worker_site_url == site

    # A later command against the same instance (same var/), with no port to go by.
    folder = tmp_path / "shoot"
    folder.mkdir()
    shutil.copy(PHOTOS / "Canon_40D.jpg", folder / "a.jpg")
    imported = subprocess.run(
        [
            str(BIN / "proofsheet"),
            "import",
            str(folder),
            "--owner",
            owner.email,
            "--gallery",
            "Lake",
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert imported.returncode == 0, imported.stdout + imported.stderr
    links = re.findall(r"^(Studio|Client link): (\S+)", imported.stdout, re.M)
    assert [name for name, _ in links] == ["Studio", "Client link"], imported.stdout
    assert all(link.startswith(f"{site}/") for _, link in links), imported.stdout

    # SITE_URL still overrides the address served.
    overridden = subprocess.run(
        [
            str(BIN / "proofsheet"),
            "import",
            str(folder),
            "--owner",
            owner.email,
            "--gallery",
            "Lake",
        ],
        env=env | {"SITE_URL": "https://photos.example.test/"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Client link: https://photos.example.test/g/" in overridden.stdout, overridden.stdout
