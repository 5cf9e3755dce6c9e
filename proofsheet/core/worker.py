"""The background worker: Django Tasks' database worker plus heartbeats and orphan recovery.

django-tasks-db marks a task RUNNING when a worker claims it. If that worker is killed (OOM,
deploy, power), the task would stay RUNNING forever and its work be lost. Each of our workers
therefore refreshes a heartbeat row; any worker re-queues RUNNING tasks whose worker has stopped
beating. Tasks are idempotent (DESIGN.md rule 5), so running one again is safe.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.management import call_command
from django.db import close_old_connections, connections
from django.tasks import TaskResultStatus
from django.utils import timezone

from proofsheet.core.housekeeping import housekeeping_interval, housekeeping_run_if_due
from proofsheet.core.models import WorkerHeartbeat
from proofsheet.core.tasks import task_given_up

logger = logging.getLogger(__name__)


def _dead_after() -> timedelta:
    """A worker silent for this long is considered dead (WORKER_DEAD_AFTER_SECONDS)."""
    return timedelta(seconds=settings.WORKER_DEAD_AFTER_SECONDS)


def _heartbeat_seconds() -> float:
    return max(0.2, settings.WORKER_DEAD_AFTER_SECONDS / 6)


def beat(worker_id: str) -> None:
    """Record that this worker is alive."""
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "seen_at": timezone.now(),
        },
    )


def workers_alive() -> int:
    """How many workers have beaten recently (on any machine)."""
    return WorkerHeartbeat.objects.filter(seen_at__gte=timezone.now() - _dead_after()).count()


# A task whose workers died this many times is abandoned (it may be what kills them).
MAX_LOST_RUNS = 3


def requeue_orphaned_tasks() -> int:
    """Put RUNNING tasks whose worker stopped beating back in the queue; return how many.

    A task that has already lost MAX_LOST_RUNS workers is marked failed instead, and its
    give-up handler runs: a poison input must not take the workers down forever.
    """
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    alive = set(
        WorkerHeartbeat.objects.filter(seen_at__gte=now - _dead_after()).values_list(
            "worker_id", flat=True
        )
    )
    requeued = 0
    running = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=now - _dead_after()
    )
    for result in running.only("id", "worker_ids", "started_at", "task_path", "args_kwargs"):
        if result.worker_ids and result.worker_ids[-1] in alive:
            continue
        # Conditional on the same claim: never touch a task another worker just re-claimed.
        same_claim = DBTaskResult.objects.filter(
            id=result.id, status=TaskResultStatus.RUNNING, started_at=result.started_at
        )
        if len(result.worker_ids) >= MAX_LOST_RUNS:
            if same_claim.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path="proofsheet.core.worker.WorkerLost",
                traceback=f"The worker running this task stopped {len(result.worker_ids)} "
                "times; it is not run again.",
            ):
                logger.error(
                    "abandoned task %s after %d lost workers",
                    result.task_path,
                    len(result.worker_ids),
                )
                task_given_up(
                    result.task_path,
                    result.args_kwargs.get("args", []),
                    result.args_kwargs.get("kwargs", {}),
                )
            continue
        requeued += same_claim.update(status=TaskResultStatus.READY, started_at=None, run_after=now)
    WorkerHeartbeat.objects.filter(seen_at__lt=now - _dead_after() * 10).delete()
    if requeued:
        logger.warning("re-queued %d task(s) whose worker stopped", requeued)
    return requeued


def _stop_if_stuck(worker_id: str) -> None:
    """Kill this worker when its task has run past WORKER_TASK_TIMEOUT_SECONDS (R12).

    Python cannot interrupt a thread inside libvips, so the whole process goes; the heartbeat
    stops, another worker re-queues the task, and after MAX_LOST_RUNS it is abandoned.
    """
    from django_tasks_db.models import DBTaskResult

    limit = settings.WORKER_TASK_TIMEOUT_SECONDS
    if limit <= 0:
        return
    cutoff = timezone.now() - timedelta(seconds=limit)
    for task_path, worker_ids in DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=cutoff
    ).values_list("task_path", "worker_ids"):
        if worker_ids and worker_ids[-1] == worker_id:
            logger.error("task %s ran longer than %s s; stopping this worker", task_path, limit)
            os.kill(os.getpid(), signal.SIGKILL)


def _heartbeat_loop(worker_id: str, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            close_old_connections()
            beat(worker_id)
            _stop_if_stuck(worker_id)
            requeue_orphaned_tasks()
        except Exception:  # a database blip must not kill the worker; try again next beat
            logger.warning("worker heartbeat failed", exc_info=True)
        finally:
            connections.close_all()
        stop.wait(_heartbeat_seconds())


def _housekeeping_poll_seconds() -> float:
    """How often a worker asks for the housekeeping claim (one cheap UPDATE)."""
    interval = housekeeping_interval()
    return 60.0 if interval is None else min(60.0, max(1.0, interval.total_seconds()))


def _housekeeping_loop(stop: threading.Event) -> None:
    # Its own thread, not the heartbeat's: a long purge must not silence the heartbeat, or the
    # other workers would take this worker for dead and re-queue its running task.
    while not stop.is_set():
        try:
            close_old_connections()
            housekeeping_run_if_due()
        except Exception:  # jobs log their own failures; this is the claim failing (a blip)
            logger.warning("housekeeping failed", exc_info=True)
        finally:
            connections.close_all()
        stop.wait(_housekeeping_poll_seconds())


def run_worker(*, queue: str = "default", interval: float = 1.0, batch: bool = False) -> None:
    """Run the database worker until stopped (or, with batch, until the queue is empty)."""
    worker_id = uuid.uuid4().hex
    beat(worker_id)
    requeue_orphaned_tasks()
    stop = threading.Event()
    thread = threading.Thread(
        target=_heartbeat_loop, args=(worker_id, stop), daemon=True, name="worker-heartbeat"
    )
    thread.start()
    housekeeping = None
    if housekeeping_interval() is not None:
        housekeeping = threading.Thread(
            target=_housekeeping_loop, args=(stop,), daemon=True, name="worker-housekeeping"
        )
        housekeeping.start()
    args = [
        "db_worker",
        "--queue-name",
        queue,
        "--interval",
        str(interval),
        "--no-startup-delay",
        "--worker-id",
        worker_id,
    ]
    if batch:
        args.append("--batch")
    try:
        call_command(*args)
    finally:
        stop.set()
        thread.join(timeout=_heartbeat_seconds() + 1)
        if housekeeping is not None:  # a job cut short here rolls back its current batch only
            housekeeping.join(timeout=1)
        WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()
