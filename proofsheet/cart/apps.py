from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "proofsheet.cart"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Merges the guest cart at log-in; see receivers.py for why this is a receiver.
        from proofsheet.cart import receivers  # noqa: F401
