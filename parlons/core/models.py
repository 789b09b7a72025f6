from django.db import models


class WorkerHeartbeat(models.Model):
    """Each worker (in-process or `parlons worker`) writes here every few seconds; /healthz reads it."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()


class ScheduledJob(models.Model):
    """One row per periodic job (parlons.core.scheduler): when it runs next and how its last run ended."""

    name = models.CharField(max_length=100, unique=True)
    next_run_at = models.DateTimeField()
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    runs = models.PositiveIntegerField(default=0)

    def __str__(self):
        return self.name


class EventOutbox(models.Model):
    """Domain events that durable subscribers must still handle (``parlons.core.events``, ADR 0006): written in
    the transaction of the change that published them, deleted once every subscriber named in ``pending`` has
    run; a row left behind (a failure, a process that died) is run again by a worker after ``run_after``."""

    created_at = models.DateTimeField(auto_now_add=True)
    run_after = models.DateTimeField(db_index=True)
    events = models.JSONField(default=list)  # [{"type", "actor_id", "via", "data"}, ...]
    pending = models.JSONField(default=list)  # names of the durable subscribers that have not run yet
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    def __str__(self):
        return f"outbox {self.pk}: {len(self.events)} events for {', '.join(self.pending)}"
