"""Data exchange (ENV-7, OPS-3): long ticket exports run as tasks, and uploaded imports waiting for confirmation.

Only ``parlons.exchange.services`` writes these rows. An import is kept between its preview and its confirmation
(the file itself, so the confirmation validates and writes exactly what was previewed, again, in one transaction).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class ExportJob(models.Model):
    """A ticket export to xlsx made in the background; the file is under MEDIA_ROOT/exports/ until purged."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    params = models.JSONField(default=dict, help_text="Filters (TicketFilters as JSON), language, time zone")
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    file_path = models.CharField(max_length=500, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class ImportBatch(models.Model):
    """An uploaded file, validated, waiting for an explicit confirmation (or applied, or discarded)."""

    class Status(models.TextChoices):
        PREVIEW = "preview"
        APPLIED = "applied"
        DISCARDED = "discarded"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    filename = models.CharField(max_length=255, blank=True)
    content = models.BinaryField()
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEW)
    summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
