"""``parlons worker``: a task worker in its own process (production runs one or more beside the web nodes)."""

from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Run a task worker (and the scheduler of periodic jobs) until stopped, or with --batch run the due "
        "periodic jobs and the tasks that are ready, and exit."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch", action="store_true", help="Run the due periodic jobs and every ready task, and exit."
        )

    def handle(self, *args, batch: bool, **options):
        from parlons.core import worker

        if batch:
            from parlons.core.scheduler import run_due_jobs

            jobs = run_due_jobs(worker_id="batch")
            count = worker.run_pending_tasks()
            self.stdout.write(f"Ran {len(jobs)} periodic job(s) and {count} task(s).")
            return
        worker.keep_connections()  # a process of its own: no web server threads share these settings
        worker.DEDICATED = True
        worker.lower_priority()
        self.stdout.write(f"Parlons worker started (queues: {', '.join(worker.QUEUES)}). Stop with Ctrl+C.")
        self.stdout.flush()
        worker.run_worker()
