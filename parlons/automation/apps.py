from django.apps import AppConfig


class AutomationConfig(AppConfig):
    name = "parlons.automation"
    label = "automation"
    verbose_name = "Automation"

    def ready(self):
        from parlons.automation import listeners  # noqa: F401  (subscribes to the domain events)
