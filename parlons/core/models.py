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
