from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "proofsheet.accounts"
    label = "accounts"
    verbose_name = "Accounts"
