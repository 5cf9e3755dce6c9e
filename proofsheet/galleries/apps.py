from django.apps import AppConfig


class GalleriesConfig(AppConfig):
    name = "proofsheet.galleries"
    label = "galleries"
