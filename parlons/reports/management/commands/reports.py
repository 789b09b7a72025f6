"""``parlons reports rebuild``: compute the report figures of existing tickets (after a demo load, an import,
a restore or an upgrade). Batched and idempotent; safe while the service runs."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from datetime import time as dtime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


class Command(BaseCommand):
    help = "Report figures: `rebuild` recomputes every ticket's metrics (or those of the last --days days)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild"])
        parser.add_argument("--days", type=int, default=0, help="Only tickets created in the last N days.")

    def handle(self, *args, action: str, days: int, **options):
        from parlons.reports.metrics import rebuild

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

        total = rebuild(since=since, progress=progress)
        self.stdout.write(f"Report figures rebuilt: {total} tickets in {time.monotonic() - started:.1f} s.")
