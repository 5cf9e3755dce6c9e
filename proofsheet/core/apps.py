from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "proofsheet.core"
    label = "core"

    def ready(self) -> None:
        from proofsheet.core import checks  # noqa: F401  (registers system checks)
