"""Outgoing webhooks (systems that follow ticket events) and chatbot hand-offs (OPS-2, ENV-9)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# The domain events an outgoing webhook can follow.
WEBHOOK_EVENTS = {
    "ticket.created": _("Ticket created"),
    "ticket.updated": _("Ticket updated (status, priority, assignment, tags…)"),
    "message.created": _("Message received or reply sent"),
    "note.created": _("Internal note added"),
    "handoff.created": _("Conversation handed over by a chatbot"),
}


class WebhookEndpoint(models.Model):
    """An address that receives a signed JSON POST for each event it follows."""

    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(_("address"), max_length=1000)
    secret_encrypted = models.TextField(blank=True, help_text="Fernet-encrypted signing secret")
    events = models.JSONField(default=list, help_text="Event types followed; empty = all")
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name

    def follows(self, event_type: str) -> bool:
        return not self.events or event_type in self.events


class WebhookDelivery(models.Model):
    """One event sent (or to be sent) to one endpoint, with its attempts."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event_type = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["endpoint", "-created_at"])]


class Handoff(models.Model):
    """A conversation a chatbot handed over to the agents: the transcript and the bot's triage."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="handoffs")
    bot = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    external_id = models.CharField(max_length=255, help_text="The bot's own id for the conversation")
    transcript = models.JSONField(default=list)
    intent = models.CharField(max_length=120, blank=True)
    topic = models.CharField(max_length=120, blank=True)
    language = models.CharField(max_length=2, blank=True)
    suggested_tags = models.JSONField(default=list)
    priority = models.CharField(max_length=10, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    summary = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["bot", "external_id"], name="handoff_unique_per_bot")]
