"""The task worker: `parlons worker` runs it as its own process; `parlons run` runs it in a thread beside the
web server on the embedded install. Every worker writes a heartbeat that /healthz reads."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid

from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)
QUEUES = ["default", "ingest", "outbound"]
HEARTBEAT_SECONDS = 5
# True in a ``parlons worker`` process (no web server, so no open browser is connected to this process).
DEDICATED = False


def _beat(worker_id: str, started) -> None:
    from parlons.core.models import WorkerHeartbeat

    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": started,
            "seen_at": timezone.now(),
        },
    )


def _heartbeat_loop(worker_id: str, stop: threading.Event) -> None:
    started = timezone.now()
    while not stop.is_set():
        try:
            _beat(worker_id, started)
        except Exception:  # the database may be briefly locked or down; try again next beat
            logger.warning("worker heartbeat failed", exc_info=True)
        finally:
            close_old_connections()
        stop.wait(HEARTBEAT_SECONDS)


def make_worker(*, batch: bool = False, interval: float = 0.5, worker_id: str | None = None):
    from django_tasks_db.management.commands.db_worker import Worker

    return Worker(
        queue_names=QUEUES,
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id or f"{socket.gethostname()[:40]}-{uuid.uuid4().hex[:8]}",
        excluded_queue_names=[],
    )


def lower_priority() -> int:
    """Give this worker process a lower CPU priority (``PARLONS_WORKER_NICE``, 5 by default; 0 leaves it): on a
    machine shared with the web server, acknowledging a platform's webhook (which it retries, then disables,
    when it is slow) and answering the agents come before the background work. Returns the new niceness."""
    from django.conf import settings

    step = settings.PARLONS_WORKER_NICE
    if step <= 0 or not hasattr(os, "nice"):
        return os.nice(0) if hasattr(os, "nice") else 0
    try:
        return os.nice(step)
    except OSError:  # not permitted here: keep the priority it has
        return os.nice(0)


def keep_connections(max_age: int = 300) -> None:
    """A worker process keeps its database connections between tasks (``CONN_MAX_AGE``, health-checked on
    reuse) instead of opening one per task: a new PostgreSQL connection costs a server process and several
    round trips, more than a small task itself. ``PARLONS_DB_CONN_MAX_AGE`` wins when it is set higher."""
    from django.db import connections

    for alias in connections:
        settings_dict = connections[alias].settings_dict
        if settings_dict.get("OPTIONS", {}).get("pool"):
            continue  # the pool keeps them (PostgreSQL, ``PARLONS_DB_POOL``)
        if settings_dict.get("CONN_MAX_AGE") is not None and settings_dict["CONN_MAX_AGE"] < max_age:
            settings_dict["CONN_MAX_AGE"] = max_age


def finish_ready_tasks(task, first_args: list, return_value=None) -> int:
    """Mark the queued (READY) runs of ``task`` whose first argument is in ``first_args`` as done, in the
    caller's transaction: work that a batch already did (e.g. the ingest of the deliveries it took with its own).
    A run another worker has claimed meanwhile is left alone (it finds nothing to do). Returns how many."""
    if not first_args:
        return 0
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    return DBTaskResult.objects.filter(
        status="READY",
        task_path=task.module_path,
        queue_name=task.queue_name,
        args_kwargs__args__0__in=list(first_args),
    ).update(status="SUCCESSFUL", started_at=now, finished_at=now, return_value=return_value)


def run_worker(*, interval: float = 0.5, install_signals: bool = True) -> None:
    """Run a worker in this thread until stopped (SIGINT/SIGTERM when ``install_signals``)."""
    worker = make_worker(interval=interval)
    stop = threading.Event()
    beat = threading.Thread(
        target=_heartbeat_loop, args=(worker.worker_id, stop), daemon=True, name="heartbeat"
    )
    beat.start()
    from parlons.core.scheduler import scheduler_loop

    threading.Thread(
        target=scheduler_loop, args=(worker.worker_id, stop), daemon=True, name="scheduler"
    ).start()
    if install_signals:
        worker.configure_signals()
    try:
        while worker.running:
            try:
                worker.run()
            except Exception:
                logger.exception("worker loop failed; restarting in 2 s")
                time.sleep(2)
    finally:
        stop.set()


def start_worker_thread() -> threading.Thread:
    """Start a worker in a daemon thread of this process (the embedded install)."""
    thread = threading.Thread(
        target=run_worker, kwargs={"install_signals": False}, daemon=True, name="parlons-worker"
    )
    thread.start()
    return thread


def run_pending_tasks() -> int:
    """Run every task that is ready, then return how many ran (tests, `parlons worker --batch`)."""
    worker = make_worker(batch=True, interval=0)
    worker.run()
    return worker._run_tasks
