from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "parlons.sla"
    label = "sla"
    verbose_name = "Service standards"

    def ready(self):
        from parlons.sla import listeners  # noqa: F401  (keeps each ticket's due times current)
