"""``parlons reindex``: rebuild the whole search index from the tickets (after a demo load, a restore, or an
upgrade of the search configuration). Set-based and batched; safe to run while the service is up (searches
see fewer results until it ends)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Rebuild the search index of every ticket."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=20000, help="Tickets per batch (default 20000)."
        )

    def handle(self, *args, batch_size: int, **options):
        from parlons.search.services import rebuild_index

        started = time.monotonic()
        verbosity = options.get("verbosity", 1)

        def progress(done: int) -> None:
            if verbosity > 1:
                self.stdout.write(f"  {done} tickets indexed")

        total = rebuild_index(batch_size=max(1, batch_size), progress=progress)
        self.stdout.write(f"Search index rebuilt: {total} tickets in {time.monotonic() - started:.1f} s.")
