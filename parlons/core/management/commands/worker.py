"""``parlons worker``: a task worker in its own process (production runs one or more beside the web nodes)."""

from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run a task worker until stopped, or with --batch run the tasks that are ready and exit."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch", action="store_true", help="Run every task that is ready, print how many ran, and exit."
        )

    def handle(self, *args, batch: bool, **options):
        from parlons.core import worker

        if batch:
            count = worker.run_pending_tasks()
            self.stdout.write(f"Ran {count} task(s).")
            return
        self.stdout.write(f"Parlons worker started (queues: {', '.join(worker.QUEUES)}). Stop with Ctrl+C.")
        self.stdout.flush()
        worker.run_worker()
