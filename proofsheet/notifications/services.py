"""Email delivery through the outbox, so a slow or failing mail server never blocks a request."""

from __future__ import annotations

import logging
import unicodedata

from django.core.mail import EmailMessage, EmailMultiAlternatives, mailers
from django.db import transaction
from django.utils import timezone

from proofsheet.core.tasks import enqueue_on_commit
from proofsheet.notifications.models import Notification, OutboundEmail

logger = logging.getLogger(__name__)

# Delivery is retried by the task's policy; after this many attempts the message is failed.
MAX_DELIVERY_ATTEMPTS = 5


SUBJECT_MAX = OutboundEmail._meta.get_field("subject").max_length


def header_text(value: str) -> str:
    """One line of header text: control characters and line breaks become single spaces.

    Subjects carry user text (gallery titles, names): a CR/LF in one would make Django refuse
    the message at every delivery attempt, or inject a header if it did not.
    """
    spaced = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in value)
    return " ".join(spaced.split())[:SUBJECT_MAX]


def email_queue_message(message: EmailMessage) -> OutboundEmail:
    """Store a rendered message and deliver it after the current transaction commits.

    Every email passes here, so the subject is made one clean line here, whoever built it.
    """
    html = ""
    for content, mimetype in getattr(message, "alternatives", []) or []:
        if mimetype == "text/html":
            html = content
    with transaction.atomic():
        outbound = OutboundEmail.objects.create(
            to=list(message.to),
            from_email=message.from_email,
            subject=header_text(str(message.subject)),
            body_text=str(message.body),
            body_html=html,
        )
        from proofsheet.notifications.tasks import deliver_email

        enqueue_on_commit(deliver_email, str(outbound.public_id))
    return outbound


def email_deliver(public_id: str) -> bool:
    """Send one queued message; True when sent now, False when it was not ours to send.

    The PENDING → SENDING claim is a conditional UPDATE, so two runs of the task cannot both send.
    """
    claimed = OutboundEmail.objects.filter(
        public_id=public_id, status=OutboundEmail.Status.PENDING
    ).update(status=OutboundEmail.Status.SENDING)
    if not claimed:
        return False
    outbound = OutboundEmail.objects.get(public_id=public_id)
    message = EmailMultiAlternatives(
        subject=header_text(outbound.subject),  # rows queued before subjects were cleaned
        body=outbound.body_text,
        from_email=outbound.from_email,
        to=outbound.to,
        connection=mailers.default,
    )
    if outbound.body_html:
        message.attach_alternative(outbound.body_html, "text/html")
    try:
        message.send()
    except Exception as exc:
        attempts = outbound.attempts + 1
        status = (
            OutboundEmail.Status.FAILED
            if attempts >= MAX_DELIVERY_ATTEMPTS
            else OutboundEmail.Status.PENDING
        )
        OutboundEmail.objects.filter(pk=outbound.pk).update(
            status=status, attempts=attempts, last_error=f"{exc.__class__.__name__}: {exc}"[:2000]
        )
        raise
    OutboundEmail.objects.filter(pk=outbound.pk).update(
        status=OutboundEmail.Status.SENT,
        attempts=outbound.attempts + 1,
        sent_at=timezone.now(),
        last_error="",
    )
    return True


def notification_create(*, user, message: str, url: str = "") -> Notification:
    """Leave an in-app message for a user."""
    return Notification.objects.create(user=user, message=message[:300], url=url[:300])


def notifications_mark_read(*, user) -> int:
    """Mark all of a user's notifications read; return how many changed."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
