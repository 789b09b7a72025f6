from django.apps import AppConfig


class EmailChannelConfig(AppConfig):
    name = "parlons.connectors.email"
    label = "email_channel"
    verbose_name = "E-mail channel"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from parlons.connectors.email import connector  # noqa: F401  (registers the "email" connector)
