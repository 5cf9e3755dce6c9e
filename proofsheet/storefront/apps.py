from django.apps import AppConfig


class StorefrontConfig(AppConfig):
    name = "proofsheet.storefront"
    label = "storefront"
