from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "parlons.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from parlons.accounts import listeners  # noqa: F401
