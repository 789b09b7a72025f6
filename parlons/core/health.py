"""Health of the parts /healthz reports: the database, the task workers and the event outbox (durable
subscribers that keep failing leave derived data behind: ADR 0006)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone


def check() -> dict:
    report: dict = {"status": "ok", "database": {"status": "ok"}, "worker": {"status": "ok"}}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        report["database"]["vendor"] = connection.vendor
    except Exception as exc:  # report, never raise: this is what monitoring reads
        report["database"] = {"status": "error", "error": exc.__class__.__name__}
        report["status"] = "error"
        return report
    from django_tasks_db.models import DBTaskResult

    from parlons.core.models import WorkerHeartbeat

    stale = timezone.now() - timedelta(seconds=settings.WORKER_HEARTBEAT_STALE_SECONDS)
    alive = WorkerHeartbeat.objects.filter(seen_at__gte=stale).count()
    waiting = DBTaskResult.objects.ready().count()
    report["worker"] = {"status": "ok" if alive else "error", "alive": alive, "tasks_waiting": waiting}
    if not alive:
        report["status"] = "error"
    report["events"] = _outbox()
    if report["events"]["status"] != "ok":
        report["status"] = "error"
    return report


def _outbox() -> dict:
    """Outbox rows a worker must run (a failure, or a process that died before running them) and those that
    have failed ``FAILING_AFTER`` times: derived data (due times, figures, index, rules) is behind for them."""
    from django.db.models import Count, Q

    from parlons.core.events import FAILING_AFTER
    from parlons.core.models import EventOutbox

    counts = EventOutbox.objects.aggregate(
        waiting=Count("pk", filter=Q(attempts__gt=0) | Q(run_after__lte=timezone.now())),
        failing=Count("pk", filter=Q(attempts__gte=FAILING_AFTER)),
    )
    return {"status": "error" if counts["failing"] else "ok", **counts}
