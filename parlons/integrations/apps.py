from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "parlons.integrations"
    label = "integrations"
    verbose_name = _("Integrations")

    def ready(self):
        from parlons.integrations import listeners  # noqa: F401  (subscribes to the domain events)
