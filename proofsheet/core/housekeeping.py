"""Periodic housekeeping: the jobs named in HOUSEKEEPING_JOBS, run at most once per interval.

There is no scheduler. Every worker tries to claim the run with one conditional UPDATE on a
`HousekeepingRun` row (`WHERE last_run_at <= now - interval`): the database lets exactly one
worker win, on any number of machines. Jobs are dotted paths to zero-argument callables,
resolved at run time (core sits below every app and imports none of them) and validated by a
system check. A job that fails is logged and the others still run. `proofsheet housekeeping`
runs them at once, for deployments that run no worker (cron).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from proofsheet.core.models import HousekeepingRun

logger = logging.getLogger(__name__)

RUN_NAME = "housekeeping"


@dataclass(frozen=True)
class JobOutcome:
    """What one job did: its return value, or the error that stopped it."""

    path: str
    result: Any = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    def __str__(self) -> str:
        if self.error:
            return f"{self.path}: failed: {self.error}"
        return f"{self.path}: {'done' if self.result is None else self.result}"


def housekeeping_interval() -> timedelta | None:
    """The interval between runs (HOUSEKEEPING_INTERVAL_SECONDS), None when turned off."""
    seconds = settings.HOUSEKEEPING_INTERVAL_SECONDS
    return timedelta(seconds=seconds) if seconds > 0 else None


def housekeeping_claim(*, now: datetime | None = None) -> bool:
    """Take this interval's run for the caller; False when another run is recent (or it is off)."""
    interval = housekeeping_interval()
    if interval is None:
        return False
    now = now or timezone.now()
    HousekeepingRun.objects.get_or_create(name=RUN_NAME)
    due = Q(last_run_at__isnull=True) | Q(last_run_at__lte=now - interval)
    return HousekeepingRun.objects.filter(due, name=RUN_NAME).update(last_run_at=now) == 1


def housekeeping_mark_run(*, now: datetime | None = None) -> None:
    """Record a run made outside the claim (the CLI), so workers wait a full interval."""
    HousekeepingRun.objects.update_or_create(
        name=RUN_NAME, defaults={"last_run_at": now or timezone.now()}
    )


def housekeeping_run_jobs(paths: list[str] | None = None) -> list[JobOutcome]:
    """Run every job now, in order; a failure is logged and recorded, and the next job runs."""
    outcomes = []
    for path in settings.HOUSEKEEPING_JOBS if paths is None else paths:
        try:
            result = import_string(path)()
        except Exception as exc:  # one broken job must not stop the others or the worker
            logger.exception("housekeeping job %s failed", path)
            outcomes.append(JobOutcome(path, error=f"{type(exc).__name__}: {exc}"))
        else:
            outcome = JobOutcome(path, result)
            logger.info("housekeeping %s", outcome)
            outcomes.append(outcome)
    return outcomes


def housekeeping_run_if_due(*, now: datetime | None = None) -> list[JobOutcome] | None:
    """Run the jobs when this caller wins the interval's claim; None when it did not."""
    if not housekeeping_claim(now=now):
        return None
    return housekeeping_run_jobs()


def sessions_clear_expired() -> str:
    """Delete expired sessions, when the session backend keeps them (Django's clearsessions)."""
    engine = import_module(settings.SESSION_ENGINE)
    try:
        engine.SessionStore.clear_expired()
    except NotImplementedError:
        return f"skipped: {settings.SESSION_ENGINE} cannot clear expired sessions"
    return "expired sessions cleared"
