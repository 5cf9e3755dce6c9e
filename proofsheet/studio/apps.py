from django.apps import AppConfig


class StudioConfig(AppConfig):
    name = "proofsheet.studio"
    label = "studio"
