from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "proofsheet.cart"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Merges the guest cart at log-in and gives back a cancelled order's code use; see
        # receivers.py for why these are receivers.
        from proofsheet.cart import receivers  # noqa: F401
