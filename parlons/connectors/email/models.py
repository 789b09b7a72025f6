"""What the e-mail channel keeps beside the helpdesk tables: a mailbox's bilingual signature and the side
conversations with people outside Parlons (OPS-20)."""

from django.conf import settings
from django.db import models


class MailboxSettings(models.Model):
    """Per e-mail channel group settings that are not secret (the server password is in the group's
    encrypted credentials)."""

    channel_group = models.OneToOneField(
        "tickets.ChannelGroup", on_delete=models.CASCADE, related_name="email_settings"
    )
    signature_en = models.TextField(blank=True)
    signature_fr = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)


class Forward(models.Model):
    """A ticket forwarded by e-mail to someone outside Parlons; their answers come back as internal notes.
    ``token`` is in the reply address (``support+fwd-<token>@…``) and the subject, ``message_id`` threads."""

    class State(models.TextChoices):
        QUEUED = "queued"
        SENT = "sent"
        FAILED = "failed"

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="email_forwards")
    channel_group = models.ForeignKey(
        "tickets.ChannelGroup",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The mailbox it is sent from",
    )
    token = models.CharField(max_length=40, unique=True)
    to_address = models.EmailField()
    note = models.TextField(blank=True)
    message_ids = models.JSONField(default=list, blank=True)
    attachment_ids = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, blank=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    answers = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
