from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "proofsheet.notifications"
    label = "notifications"
