from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "parlons.tickets"
    label = "tickets"
    verbose_name = "Tickets"
