from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "parlons.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self):
        from parlons.reports import jobs, listeners, tasks  # noqa: F401  (subscribers, periodic jobs, tasks)
