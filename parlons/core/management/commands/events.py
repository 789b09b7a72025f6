"""``parlons events``: print the catalogue of domain events with their payloads and subscribers (the table of
docs/architecture.md), or run the outbox's pending durable subscribers now (``--redeliver``)."""

from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Print the domain event catalogue (Markdown), or run the event outbox's due rows now (--redeliver)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--redeliver", action="store_true", help="Run the due outbox rows now and exit.")

    def handle(self, *args, redeliver: bool = False, **options):
        from parlons.core.events import catalogue_markdown, redeliver_due

        if redeliver:
            self.stdout.write(f"{redeliver_due()} outbox rows run.")
            return
        self.stdout.write(catalogue_markdown(), ending="")
