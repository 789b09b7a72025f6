"""Notifications to people (OPS-7, OPS-13, DOC-3): one row per recipient and event, each person's preferences,
the administrators' choice of which e-mails the system sends, and broadcasts to all users.

Only ``parlons/notifications/services/`` writes these models.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    TICKET_ASSIGNED = "ticket.assigned", _("A ticket is assigned to me")
    TICKET_REPLIED = "ticket.replied", _("A client wrote on my ticket")
    NOTE_MENTION = "note.mention", _("I am mentioned in a note")
    SLA_WARNING = "sla.warning", _("A service standard is about to be missed")
    SLA_BREACHED = "sla.breached", _("A service standard was missed")
    REMINDER_DUE = "reminder.due", _("A reminder is due")
    RULE_NOTIFY = "rule.notify", _("A rule notifies me")
    HANDOFF_TRIAGED = "handoff.triaged", _("The chatbot handed over a triaged conversation")
    REPORT_SCHEDULED = "report.scheduled", _("A scheduled report is ready")
    BROADCAST = "broadcast", _("Announcement to all users")


class Notification(models.Model):
    """Something one person should know about. Rows are kept for the in-page list (bell) and the digest."""

    class Email(models.TextChoices):
        NONE = "none"  # not wanted (preferences, mute, administrators' settings)
        QUEUED = "queued"  # waits for the next digest (or for do-not-disturb to end)
        SENT = "sent"  # sent on its own
        DIGESTED = "digested"  # sent inside a digest

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    context = models.JSONField(default=dict, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_state = models.CharField(max_length=10, choices=Email.choices, default=Email.NONE)
    emailed_at = models.DateTimeField(null=True, blank=True)
    pushed = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notif_recipient_unread"),
            models.Index(fields=["email_state", "recipient"], name="notif_email_state"),
        ]


class Preference(models.Model):
    """One person's notification preferences, kept on the server so they hold on every device (OPS-13)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    # {"ticket.assigned": {"email": true, "desktop": true}, ...}; a kind missing here takes the default.
    channels = models.JSONField(default=dict, blank=True)
    muted = models.BooleanField(default=False)
    dnd_until = models.DateTimeField(null=True, blank=True)
    last_email_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)


class SystemEmailSettings(models.Model):
    """Which e-mails the system sends (OPS-7), chosen by the administrators. A single row (pk=1)."""

    sla_reminders = models.BooleanField(default=True)
    auto_assigned = models.BooleanField(default=True)
    bot_triaged = models.BooleanField(default=True)
    digest_minutes = models.PositiveIntegerField(default=15)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)


class Broadcast(models.Model):
    """An announcement from an administrator to all users (DOC-3): an e-mail once and a banner until it ends."""

    class Kind(models.TextChoices):
        PROBLEM = "problem", _("Technical problem")
        PLANNED = "planned", _("Planned outage")
        UNPLANNED = "unplanned", _("Unplanned outage")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    message = models.TextField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
