"""/api/v1 endpoints for the signed-in user's in-app notifications (the studio dashboard's list):
new orders, client selections and comments, processed uploads, code alerts."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.conf import settings
from ninja import Router, Schema
from pydantic import Field

from proofsheet.api.common import acting_user
from proofsheet.notifications.selectors import notifications_recent, notifications_unread_count
from proofsheet.notifications.services import notifications_mark_read

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: UUID
    message: str
    url: str = Field(description="Where it leads (a studio page), absolute; empty for none.")
    read: bool
    created_at: dt.datetime


class NotificationsOut(Schema):
    unread: int
    notifications: list[NotificationOut]


class MarkedOut(Schema):
    marked: int


def _absolute(url: str) -> str:
    return settings.SITE_URL + url if url.startswith("/") else url


@router.get("/notifications", response=NotificationsOut, summary="Your newest notifications")
def list_notifications(request, limit: int = 20):
    user = acting_user(request)
    limit = max(1, min(limit, 100))
    return NotificationsOut(
        unread=notifications_unread_count(user=user),
        notifications=[
            NotificationOut(
                id=n.public_id,
                message=n.message,
                url=_absolute(n.url),
                read=n.read_at is not None,
                created_at=n.created_at,
            )
            for n in notifications_recent(user=user, limit=limit)
        ],
    )


@router.post("/notifications/read", response=MarkedOut, summary="Mark all notifications read")
def mark_notifications_read(request):
    return MarkedOut(marked=notifications_mark_read(user=acting_user(request)))
