from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "parlons.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        from parlons.notifications import listeners  # noqa: F401  (subscribes to the domain events)
