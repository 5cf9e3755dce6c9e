"""Housekeeping: one run per interval across workers, failing jobs isolated, paths checked."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.checks import run_checks
from django.utils import timezone

from proofsheet.core import housekeeping
from proofsheet.core.checks import check_housekeeping
from proofsheet.core.housekeeping import (
    housekeeping_claim,
    housekeeping_mark_run,
    housekeeping_run_if_due,
)
from proofsheet.core.models import HousekeepingRun

pytestmark = pytest.mark.django_db

HERE = __name__
CALLS: list[str] = []


def job_counts() -> int:
    CALLS.append("counts")
    return 3


def job_says_nothing() -> None:
    CALLS.append("nothing")


def job_fails() -> None:
    CALLS.append("fails")
    raise RuntimeError("the disk is on fire")


NOT_CALLABLE = 42


@pytest.fixture(autouse=True)
def jobs(settings):
    CALLS.clear()
    settings.HOUSEKEEPING_INTERVAL_SECONDS = 3600
    settings.HOUSEKEEPING_JOBS = [f"{HERE}.job_counts"]
    return settings


def test_the_first_claim_runs_and_a_second_within_the_interval_does_nothing():
    now = timezone.now()

    first = housekeeping_run_if_due(now=now)
    assert [str(o) for o in first] == [f"{HERE}.job_counts: 3"]
    assert housekeeping_run_if_due(now=now + timedelta(minutes=59, seconds=59)) is None
    assert CALLS == ["counts"]
    assert HousekeepingRun.objects.get().last_run_at == now


def test_the_run_is_due_again_once_the_interval_has_passed():
    now = timezone.now()
    assert housekeeping_claim(now=now)
    assert not housekeeping_claim(now=now + timedelta(seconds=3599))
    assert housekeeping_claim(now=now + timedelta(seconds=3600))
    assert not housekeeping_claim(now=now + timedelta(seconds=3601))
    assert housekeeping_run_if_due(now=now + timedelta(hours=2, seconds=1)) is not None
    assert CALLS == ["counts"]
    assert HousekeepingRun.objects.count() == 1


def test_an_interval_of_zero_turns_the_worker_runs_off(jobs):
    jobs.HOUSEKEEPING_INTERVAL_SECONDS = 0
    assert housekeeping_run_if_due() is None
    assert CALLS == []


def test_a_manual_run_makes_the_workers_wait_a_full_interval():
    now = timezone.now()
    housekeeping_mark_run(now=now)
    assert not housekeeping_claim(now=now + timedelta(minutes=30))
    assert housekeeping_claim(now=now + timedelta(hours=1))


def test_a_failing_job_is_reported_and_the_others_still_run(jobs, caplog):
    jobs.HOUSEKEEPING_JOBS = [
        f"{HERE}.job_fails",
        "proofsheet.core.no_such_module.job",
        f"{HERE}.job_counts",
        f"{HERE}.job_says_nothing",
    ]

    outcomes = housekeeping_run_if_due()

    assert CALLS == ["fails", "counts", "nothing"]
    assert [o.ok for o in outcomes] == [False, False, True, True]
    assert str(outcomes[0]) == f"{HERE}.job_fails: failed: RuntimeError: the disk is on fire"
    assert "No module named" in outcomes[1].error
    assert str(outcomes[3]) == f"{HERE}.job_says_nothing: done"
    assert "housekeeping job" in caplog.text and "the disk is on fire" in caplog.text


def test_the_worker_loop_survives_a_failing_job_and_stops_when_asked(jobs, monkeypatch):
    import threading

    from proofsheet.core import worker

    jobs.HOUSEKEEPING_JOBS = [f"{HERE}.job_fails", f"{HERE}.job_counts"]
    stop = threading.Event()
    # The loop closes its thread's connections; keep the test's own (one thread here).
    monkeypatch.setattr(worker.connections, "close_all", lambda: None)
    monkeypatch.setattr(worker, "close_old_connections", lambda: None)
    monkeypatch.setattr(stop, "wait", lambda seconds: stop.set())

    worker._housekeeping_loop(stop)

    assert CALLS == ["fails", "counts"]
    assert HousekeepingRun.objects.get().last_run_at is not None


def test_the_default_jobs_pass_the_system_check(settings):
    from config import settings as defaults

    settings.HOUSEKEEPING_JOBS = defaults.HOUSEKEEPING_JOBS
    assert "proofsheet.cart.services.carts_purge_abandoned" in defaults.HOUSEKEEPING_JOBS
    assert check_housekeeping(None) == []


def test_the_system_check_rejects_a_bad_dotted_path(jobs):
    jobs.HOUSEKEEPING_JOBS = [
        "proofsheet.cart.services.carts_purge_everything",
        f"{HERE}.NOT_CALLABLE",
        f"{HERE}.job_counts",
    ]
    errors = check_housekeeping(None)
    assert [e.id for e in errors] == ["proofsheet.E004", "proofsheet.E004"]
    assert "carts_purge_everything" in errors[0].msg and "not callable" in errors[1].msg
    assert {"proofsheet.E004"} <= {e.id for e in run_checks()}

    jobs.HOUSEKEEPING_JOBS = []
    jobs.HOUSEKEEPING_INTERVAL_SECONDS = -1
    assert [e.id for e in check_housekeeping(None)] == ["proofsheet.E003"]


def test_expired_sessions_are_cleared_and_live_ones_kept(settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    live, old = SessionStore(), SessionStore()
    live["x"], old["x"] = 1, 2
    live.create()
    old.create()
    Session.objects.filter(session_key=old.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    assert housekeeping.sessions_clear_expired() == "expired sessions cleared"
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]


def test_a_session_backend_that_cannot_clear_is_skipped(settings, tmp_path):
    import sys
    import types

    from django.contrib.sessions.backends.base import SessionBase

    module = types.ModuleType("proofsheet_test_sessions")
    module.SessionStore = type("SessionStore", (SessionBase,), {})
    sys.modules[module.__name__] = module
    try:
        settings.SESSION_ENGINE = module.__name__
        assert housekeeping.sessions_clear_expired().startswith("skipped")
    finally:
        del sys.modules[module.__name__]


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres_only
def test_parallel_workers_never_both_claim_the_same_interval():
    from tests.support import run_together

    now = timezone.now()
    results, errors = run_together(20, lambda n: housekeeping_claim(now=now))
    assert errors == []
    assert sorted(results) == [False] * 19 + [True]


def test_the_jobs_come_from_the_environment_and_a_bad_one_stops_start_up(tmp_path):
    import subprocess

    from tests.support import BIN, ROOT, subprocess_env

    def check(jobs: str):
        return subprocess.run(
            [str(BIN / "proofsheet"), "manage", "check"],
            env=subprocess_env(
                PROOFSHEET_VAR_DIR=str(tmp_path),
                # Its own database: this test's transaction holds the test database's write lock.
                DATABASE_URL=f"sqlite:///{tmp_path / 'check.sqlite3'}",
                HOUSEKEEPING_JOBS=jobs,
            ),
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )

    good = check(f" {HERE}.job_counts , proofsheet.core.housekeeping.sessions_clear_expired")
    assert good.returncode == 0, good.stderr
    bad = check("proofsheet.cart.services.carts_purge_typo")
    assert bad.returncode != 0
    assert "proofsheet.E004" in bad.stderr and "carts_purge_typo" in bad.stderr
