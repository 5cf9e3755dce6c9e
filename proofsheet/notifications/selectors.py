"""Notification reads."""

from proofsheet.notifications.models import Notification


def notifications_unread_count(*, user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_recent(*, user, limit: int = 20) -> list[Notification]:
    return list(Notification.objects.filter(user=user)[:limit])
