"""The real worker process against the database queue: after-commit enqueue, once-only, retries."""

import subprocess
from contextlib import suppress

import pytest
from django.core.mail import EmailMessage
from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from proofsheet.notifications.models import OutboundEmail
from proofsheet.notifications.services import email_queue_message
from proofsheet.notifications.tasks import deliver_email
from tests.support import BIN, ROOT, free_port, subprocess_env

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker(email_url: str) -> None:
    """Run `proofsheet worker --batch`: it processes what is due, then exits."""
    subprocess.run(
        [str(BIN / "proofsheet"), "worker", "--batch"],
        env=subprocess_env(TASK_BACKEND="database", EMAIL_URL=email_url),
        cwd=ROOT,
        check=True,
        timeout=120,
        capture_output=True,
    )


def queue_mail(subject="Your gallery is ready") -> OutboundEmail:
    return email_queue_message(
        EmailMessage(subject, "Have a look.", "studio@example.test", ["client@example.test"])
    )


def test_mail_is_enqueued_after_commit_and_delivered_once(smtp_server):
    with transaction.atomic():
        outbound = queue_mail()
        assert not DBTaskResult.objects.exists()  # nothing is visible to workers before commit
    assert DBTaskResult.objects.count() == 1

    run_worker(smtp_server.url)

    assert [m["Subject"] for m in smtp_server.messages] == ["Your gallery is ready"]
    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL
    outbound.refresh_from_db()
    assert outbound.status == OutboundEmail.Status.SENT and outbound.sent_at is not None

    # At-least-once delivery may run the task again: the mail is not sent twice.
    deliver_email.enqueue(str(outbound.public_id))
    run_worker(smtp_server.url)
    assert len(smtp_server.messages) == 1


def test_work_that_rolls_back_enqueues_nothing():
    with suppress(RuntimeError), transaction.atomic():
        queue_mail()
        raise RuntimeError("the request failed after queueing")

    assert not DBTaskResult.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_a_failing_task_is_recorded_and_retried_later(smtp_server):
    outbound = queue_mail()
    unreachable = f"smtp://127.0.0.1:{free_port()}"

    run_worker(unreachable)

    failed = DBTaskResult.objects.get(status=TaskResultStatus.FAILED)
    assert "ConnectionRefusedError" in failed.exception_class_path
    retry = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    assert retry.args_kwargs["kwargs"] == {"attempt": 2}
    assert retry.run_after > timezone.now()  # back-off, not a hot loop
    outbound.refresh_from_db()
    assert (outbound.status, outbound.attempts) == (OutboundEmail.Status.PENDING, 1)
    assert "ConnectionRefusedError" in outbound.last_error

    run_worker(smtp_server.url)  # not due yet
    assert smtp_server.messages == []

    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    run_worker(smtp_server.url)

    assert len(smtp_server.messages) == 1
    assert DBTaskResult.objects.get(pk=retry.pk).status == TaskResultStatus.SUCCESSFUL
    outbound.refresh_from_db()
    assert (outbound.status, outbound.attempts) == (OutboundEmail.Status.SENT, 2)


def test_delivery_gives_up_after_the_last_attempt(settings):
    outbound = queue_mail()
    OutboundEmail.objects.filter(pk=outbound.pk).update(attempts=4)
    DBTaskResult.objects.update(
        args_kwargs={"args": [str(outbound.public_id)], "kwargs": {"attempt": 5}}
    )

    run_worker(f"smtp://127.0.0.1:{free_port()}")

    outbound.refresh_from_db()
    assert outbound.status == OutboundEmail.Status.FAILED
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists()
