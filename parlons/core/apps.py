from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "parlons.core"
    label = "core"
    verbose_name = "Parlons core"
