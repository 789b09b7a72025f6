"""Service standards (SLA, OPS-7/OPS-8): business hours, holidays, policies, each ticket's due times, and the
reminders agents set on tickets.

Only ``parlons/sla/services/`` writes these models; ``Ticket.sla_due_at`` (the next due time, shown in the
inbox) is written only by that service too.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from parlons.core.business_hours import DEFAULT_TIME_ZONE, format_hhmm, parse_hhmm


def default_weekly_hours() -> dict:
    return {str(d): [["09:00", "17:00"]] for d in range(5)}


class BusinessHours(models.Model):
    """The office's opening hours per weekday (one row; defaults to Monday–Friday 9:00–17:00 Eastern)."""

    time_zone = models.CharField(_("time zone"), max_length=64, default=DEFAULT_TIME_ZONE)
    # {"0": [["09:00", "17:00"]], …}: weekday (Monday = 0) -> opening spans in local wall-clock time.
    hours = models.JSONField(default=default_weekly_hours)
    updated_at = models.DateTimeField(auto_now=True)

    def weekly_hours(self) -> dict[int, list[tuple[int, int]]]:
        out: dict[int, list[tuple[int, int]]] = {}
        for day, spans in (self.hours or {}).items():
            out[int(day)] = [(parse_hhmm(a), parse_hhmm(b)) for a, b in spans]
        return out

    def spans_text(self, weekday: int) -> list[str]:
        return [f"{format_hhmm(a)}–{format_hhmm(b)}" for a, b in self.weekly_hours().get(weekday, [])]


class Holiday(models.Model):
    """A day the office is closed: business-hours targets do not count it."""

    date = models.DateField(_("date"), unique=True)
    name_en = models.CharField(_("English name"), max_length=120)
    name_fr = models.CharField(_("French name"), max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date"]

    def name_in(self, language: str) -> str:
        return self.name_fr if (language or "").startswith("fr") else self.name_en


class SlaPolicy(models.Model):
    """Targets for tickets of one channel group (or all groups) and one priority (or any priority).

    The most specific active policy applies: a group's own policy before an all-groups one, a priority's own
    policy before an any-priority one."""

    name = models.CharField(_("name"), max_length=120)
    channel_group = models.ForeignKey(
        "tickets.ChannelGroup", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    priority = models.CharField(_("priority"), max_length=10, blank=True)
    first_response_minutes = models.PositiveIntegerField(_("first response target (minutes)"), null=True)
    resolution_minutes = models.PositiveIntegerField(_("resolution target (minutes)"), null=True)
    business_hours = models.BooleanField(_("count business hours only"), default=True)
    warn_before_minutes = models.PositiveIntegerField(_("warning lead time (minutes)"), default=60)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["channel_group_id", "priority", "pk"]

    def __str__(self) -> str:
        return self.name


class TicketSla(models.Model):
    """One ticket's due times and where it stands against them (kept current by ``listeners.py``)."""

    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="sla")
    policy = models.ForeignKey(SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # What the due times were computed from (a change of any of these recomputes them).
    priority = models.CharField(max_length=10, blank=True)
    channel_group_id_seen = models.IntegerField(null=True)
    policy_version = models.CharField(max_length=64, blank=True)

    first_response_due_at = models.DateTimeField(null=True, blank=True)
    first_response_warn_at = models.DateTimeField(null=True, blank=True)
    first_response_met_at = models.DateTimeField(null=True, blank=True)
    first_response_warned_at = models.DateTimeField(null=True, blank=True)
    first_response_breached_at = models.DateTimeField(null=True, blank=True)

    resolution_started_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    resolution_warn_at = models.DateTimeField(null=True, blank=True)
    resolution_met_at = models.DateTimeField(null=True, blank=True)
    resolution_warned_at = models.DateTimeField(null=True, blank=True)
    resolution_breached_at = models.DateTimeField(null=True, blank=True)

    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["first_response_warn_at"], name="sla_fr_warn"),
            models.Index(fields=["first_response_due_at"], name="sla_fr_due"),
            models.Index(fields=["resolution_warn_at"], name="sla_res_warn"),
            models.Index(fields=["resolution_due_at"], name="sla_res_due"),
        ]


class Reminder(models.Model):
    """ "Remind me" (OPS-7): an agent asks to be reminded of a ticket at a time, with a note. Fired once."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders")
    remind_at = models.DateTimeField(_("remind at"), db_index=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    fired_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["remind_at", "pk"]
        indexes = [models.Index(fields=["fired_at", "cancelled_at", "remind_at"], name="reminder_due")]

    @property
    def is_pending(self) -> bool:
        return self.fired_at is None and self.cancelled_at is None
