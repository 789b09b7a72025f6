from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "parlons.web"
    label = "web"
    verbose_name = "Web workspace"

    def ready(self):
        from parlons.web import listeners  # noqa: F401
