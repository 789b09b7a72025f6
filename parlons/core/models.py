from django.db import models


class WorkerHeartbeat(models.Model):
    """Each worker (in-process or `parlons worker`) writes here every few seconds; /healthz reads it."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()
