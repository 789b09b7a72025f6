from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "parlons.exchange"
    label = "exchange"
    verbose_name = "Data exchange"
