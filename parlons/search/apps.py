from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "parlons.search"
    label = "search"
    verbose_name = "Search"

    def ready(self):
        from parlons.search import listeners  # noqa: F401  (subscribes to the domain events)
