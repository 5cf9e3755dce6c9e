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
