"""The durable edges of the system: every inbound delivery is stored raw before it is acknowledged, and every
outgoing reply is a row until the platform has taken it."""

from django.db import models
from django.db.models import Q

from parlons.tickets.models import Platform


class InboundEvent(models.Model):
    class State(models.TextChoices):
        PENDING = "pending"
        PROCESSING = "processing"
        DONE = "done"
        FAILED = "failed"
        IGNORED = "ignored"

    platform = models.CharField(max_length=16, choices=Platform.choices)
    external_id = models.CharField(
        max_length=255, help_text="The platform's id for this delivery (deduplication)"
    )
    channel_group = models.ForeignKey(
        "tickets.ChannelGroup", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(help_text="The raw request body, exactly as received")
    headers = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["platform", "external_id"], name="uniq_inbound_event")]
        indexes = [
            models.Index(fields=["state", "received_at"], name="inbound_state_received"),
        ]


class OutboundMessage(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued"
        SENDING = "sending"
        SENT = "sent"
        FAILED = "failed"

    message = models.OneToOneField("tickets.Message", on_delete=models.CASCADE, related_name="outbound")
    channel_group = models.ForeignKey("tickets.ChannelGroup", on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=64, unique=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    error_code = models.CharField(max_length=64, blank=True)
    external_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["state", "next_attempt_at"],
                condition=Q(state__in=["queued", "sending"]),
                name="outbound_due",
            )
        ]
