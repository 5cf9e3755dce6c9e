from django.apps import AppConfig


class FulfillmentConfig(AppConfig):
    name = "proofsheet.fulfillment"
    default_auto_field = "django.db.models.BigAutoField"
