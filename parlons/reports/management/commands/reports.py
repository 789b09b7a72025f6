"""``parlons reports rebuild``: compute the report figures of existing tickets (after a demo load, an import,
a restore or an upgrade). Batched and idempotent; safe while the service runs.

``parlons reports aggregates`` writes again only what is derived from the stored figures (the per-tag facets and
the terms counted per day), set-based: after an upgrade that adds them, without recomputing every ticket."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from datetime import time as dtime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


class Command(BaseCommand):
    help = (
        "Report figures: `rebuild` recomputes every ticket's metrics (or those of the last --days days); "
        "`aggregates` rewrites the per-tag facets and the terms per day from the stored metrics."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild", "aggregates"])
        parser.add_argument("--days", type=int, default=0, help="Only tickets created in the last N days.")

    def handle(self, *args, action: str, days: int, **options):
        from parlons.reports.metrics import rebuild, rebuild_aggregates

        if days < 0:
            raise CommandError("--days must be positive")
        since = None
        if days:
            since = timezone.make_aware(
                datetime.combine(timezone.localdate() - timedelta(days=days), dtime())
            )
        started = time.monotonic()
        verbosity = options.get("verbosity", 1)

        def progress(done: int) -> None:
            if verbosity > 1:
                self.stdout.write(f"  {done} tickets")

        if action == "aggregates":
            tickets, term_days = rebuild_aggregates(progress)
            self.stdout.write(
                f"Report aggregates rebuilt: {tickets} tickets, {term_days} term-days "
                f"in {time.monotonic() - started:.1f} s."
            )
            return
        total = rebuild(since=since, progress=progress)
        self.stdout.write(f"Report figures rebuilt: {total} tickets in {time.monotonic() - started:.1f} s.")
