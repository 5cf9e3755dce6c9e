"""A worker killed mid-task: another worker runs the task again; a live worker's task is left."""

import subprocess
import time

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from proofsheet.core.tests.tasks import poison, slow_marker
from tests.support import BIN, ROOT, stop_process, subprocess_env

pytestmark = pytest.mark.django_db(transaction=True)

ENV = {"TASK_BACKEND": "database", "WORKER_DEAD_AFTER_SECONDS": "1.5"}


@pytest.fixture(autouse=True)
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def start_worker(*args):
    return subprocess.Popen(
        [str(BIN / "proofsheet"), "worker", "--interval", "0.2", *args],
        env=subprocess_env(**ENV),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for(path, timeout=30):
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.1)


def test_a_task_whose_worker_was_killed_runs_again(tmp_path):
    marker = tmp_path / "marker"
    slow_marker.enqueue(str(marker), 2.0)
    first = start_worker()
    wait_for(tmp_path / "marker.started")
    first.kill()
    first.wait()
    assert DBTaskResult.objects.get().status == TaskResultStatus.RUNNING  # stranded

    time.sleep(2)  # longer than WORKER_DEAD_AFTER_SECONDS: the dead worker's heartbeat is stale
    second = start_worker("--batch")
    second.wait(timeout=60)

    assert marker.read_text() == "done\n"
    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL


def test_a_live_workers_long_task_is_not_taken_from_it(tmp_path):
    marker = tmp_path / "marker"
    slow_marker.enqueue(str(marker), 4.0)
    busy = start_worker()
    try:
        wait_for(tmp_path / "marker.started")
        time.sleep(2.5)  # the task is now older than the dead-after limit, but its worker beats
        other = start_worker("--batch")
        other.wait(timeout=60)
        wait_for(marker)
    finally:
        stop_process(busy)

    assert marker.read_text() == "done\n"
    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL


def test_a_task_that_keeps_killing_its_worker_is_abandoned(tmp_path):
    marker = tmp_path / "given-up"
    poison.enqueue(str(marker))

    for _ in range(4):  # three runs die with their worker; the fourth worker gives up on it
        start_worker("--batch").wait(timeout=60)
        time.sleep(2)  # longer than WORKER_DEAD_AFTER_SECONDS

    result = DBTaskResult.objects.get()
    assert result.status == TaskResultStatus.FAILED
    assert result.exception_class_path == "proofsheet.core.worker.WorkerLost"
    assert len(result.worker_ids) == 3
    assert marker.read_text() == "given up"


def test_a_task_over_the_time_limit_stops_its_worker(tmp_path):
    marker = tmp_path / "marker"
    slow_marker.enqueue(str(marker), 30.0)
    worker = subprocess.Popen(
        [str(BIN / "proofsheet"), "worker", "--interval", "0.2"],
        env=subprocess_env(**ENV, WORKER_TASK_TIMEOUT_SECONDS="1"),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert worker.wait(timeout=20) == -9  # killed, long before the task's 30 s
    finally:
        stop_process(worker)
    assert (tmp_path / "marker.started").exists() and not marker.exists()
    assert DBTaskResult.objects.get().status == TaskResultStatus.RUNNING  # for recovery to find
