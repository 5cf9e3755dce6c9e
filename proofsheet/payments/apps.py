from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "proofsheet.payments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from proofsheet.payments import checks  # noqa: F401  (registers the system check)
