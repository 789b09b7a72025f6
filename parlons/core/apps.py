from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "parlons.core"
    label = "core"
    verbose_name = "Parlons core"

    def ready(self):
        # Each app declares its periodic jobs in jobs.py (parlons.core.scheduler).
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("jobs")
