"""Readiness probes: can this process reach the database, the storages and the task queue?"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.files.storage import storages
from django.db import connections
from django.tasks import task_backends

logger = logging.getLogger(__name__)


def check_database() -> None:
    """Run a trivial query on every configured database."""
    for alias in connections:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")


def check_storage() -> None:
    """Ask each file storage whether a probe key exists (a round trip, no write)."""
    for alias in ("public", "private"):
        storages[alias].exists("readyz-probe")


def check_task_queue() -> None:
    """Check that the task backend can accept work (for the database queue: its table answers)."""
    backend = task_backends["default"]
    if backend.__class__.__module__.startswith("django_tasks_db"):
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.using(getattr(backend, "alias", "default")).exists()


READINESS_CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "storage": check_storage,
    "task_queue": check_task_queue,
}


def readiness() -> dict[str, str]:
    """Return {component: "ok" | error summary} for every dependency."""
    results: dict[str, str] = {}
    for name, check in READINESS_CHECKS.items():
        try:
            check()
        except Exception as exc:  # any failure means "not ready"; the reason is reported
            logger.warning("readiness check %s failed: %s", name, exc)
            results[name] = f"unavailable: {exc.__class__.__name__}"
        else:
            results[name] = "ok"
    return results
