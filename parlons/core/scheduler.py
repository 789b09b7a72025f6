"""Periodic jobs: SLA checks, reminders, channel polling, digests, clean-ups.

An app declares its jobs in its ``jobs.py`` (imported when Django starts)::

    from datetime import timedelta
    from parlons.core.scheduler import periodic

    @periodic("sla.check", every=timedelta(minutes=1))
    def check_sla(now):
        ...

Every worker process (``parlons worker``, or the thread inside ``parlons run``) ticks the scheduler every few
seconds. A due job runs **once per period across all workers on all machines**: a worker claims a run with one
conditional ``UPDATE`` on the job's row (``next_run_at <= now``), which only one of several concurrent workers
can win, on PostgreSQL and on SQLite alike. A job that fails is logged, its error kept on the row, and it runs
again next period. Jobs should be quick; long work is enqueued as tasks.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import close_old_connections
from django.db.models import F
from django.utils import timezone

logger = logging.getLogger(__name__)
TICK_SECONDS = 5


@dataclass(frozen=True)
class Job:
    name: str
    fn: Callable[[datetime], object]
    every: timedelta


_jobs: dict[str, Job] = {}


def periodic(name: str, *, every: timedelta):
    """Register ``fn(now)`` to run every ``every`` (once across all workers)."""
    if every <= timedelta(0):
        raise ValueError("a periodic job needs a positive period")

    def register(fn):
        _jobs[name] = Job(name=name, fn=fn, every=every)
        return fn

    return register


def jobs() -> dict[str, Job]:
    return dict(_jobs)


def _claim(job: Job, now: datetime, worker_id: str) -> bool:
    from parlons.core.models import ScheduledJob

    ScheduledJob.objects.get_or_create(name=job.name, defaults={"next_run_at": now})
    won = ScheduledJob.objects.filter(name=job.name, next_run_at__lte=now).update(
        next_run_at=now + job.every,
        last_started_at=now,
        claimed_by=worker_id[:64],
        runs=F("runs") + 1,
    )
    return won == 1


def run_job(job: Job, now: datetime) -> bool:
    """Run one job now (already claimed); record how it ended. True if it succeeded."""
    from parlons.core.models import ScheduledJob

    error = ""
    try:
        job.fn(now)
    except Exception as exc:  # a failing job must not stop the scheduler or the other jobs
        logger.exception("periodic job %s failed", job.name)
        error = f"{type(exc).__name__}: {exc}"[:2000]
    ScheduledJob.objects.filter(name=job.name).update(last_finished_at=timezone.now(), last_error=error)
    return not error


def run_due_jobs(
    now: datetime | None = None, *, worker_id: str = "", only: list[str] | None = None
) -> list[str]:
    """Run every registered job that is due and that this worker wins; return their names."""
    now = now or timezone.now()
    ran = []
    for job in list(_jobs.values()):
        if only is not None and job.name not in only:
            continue
        try:
            claimed = _claim(job, now, worker_id or "local")
        except Exception:  # e.g. SQLite briefly locked by another writer: try at the next tick
            logger.warning("could not claim periodic job %s", job.name, exc_info=True)
            continue
        if claimed:
            run_job(job, now)
            ran.append(job.name)
    return ran


def scheduler_loop(worker_id: str, stop: threading.Event, tick: float = TICK_SECONDS) -> None:
    """Tick until ``stop`` is set (a thread of each worker process)."""
    while not stop.is_set():
        try:
            run_due_jobs(worker_id=worker_id)
        except Exception:
            logger.exception("scheduler tick failed")
        finally:
            close_old_connections()
        stop.wait(tick)
