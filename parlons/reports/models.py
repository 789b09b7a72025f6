"""Report data kept as the work happens (RPT-1, RPT-3, OPS-9).

``TicketMetrics`` holds one row per ticket with the figures reports need (first response, resolution,
handling time, reopens, replies; calendar and business-hours variants) and the ticket's dimensions copied
beside them, so every standard report is one aggregate query over an indexed table instead of a replay of
the raw history. ``AgentTicketTime`` splits the handling time per assignee. ``TicketTerm`` keeps the distinct
words (stop-words removed) of a ticket's first incoming message, for the topics and keywords reports.
Only ``parlons.reports.metrics`` writes these rows (from the domain events and the rebuild command).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketFigures(models.Model):
    """A ticket's figures: durations in seconds (null when the event has not happened yet), reopens and
    replies. Kept per ticket by ``TicketMetrics`` and copied beside each tag, group and line of business by
    ``TicketFacet``: one definition, so the copy cannot drift from its source."""

    first_response_seconds = models.BigIntegerField(null=True, blank=True)
    first_response_business_seconds = models.BigIntegerField(null=True, blank=True)
    resolution_seconds = models.BigIntegerField(null=True, blank=True)
    resolution_business_seconds = models.BigIntegerField(null=True, blank=True)
    handling_seconds = models.BigIntegerField(default=0)
    handling_business_seconds = models.BigIntegerField(null=True, blank=True)
    reopen_count = models.PositiveIntegerField(default=0)
    replies_count = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class TicketMetrics(TicketFigures):
    ticket = models.OneToOneField(
        "tickets.Ticket", primary_key=True, on_delete=models.CASCADE, related_name="metrics"
    )
    # Dimensions copied from the ticket (kept in step by the listeners).
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10)
    language = models.CharField(max_length=2, blank=True)
    platform = models.CharField(max_length=16)
    channel_group = models.ForeignKey(
        "tickets.ChannelGroup", null=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The figures: ``TicketFigures``.
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("ticket metrics")
        verbose_name_plural = _("ticket metrics")
        indexes = [
            models.Index(fields=["created_at"], name="rptm_created"),
            # Covering (PostgreSQL): the resolution-dated reports per person or team read the index alone.
            models.Index(
                fields=["resolved_at"],
                name="rptm_resolved_cover",
                include=[
                    "resolved_by",
                    "team",
                    "channel_group",
                    "resolution_seconds",
                    "resolution_business_seconds",
                    "handling_seconds",
                    "handling_business_seconds",
                ],
            ),
            models.Index(fields=["team", "created_at"], name="rptm_team_created"),
            # Covering (PostgreSQL): resolution time per person reads the index alone, in the group's order (at
            # 1,000,000 tickets 2.1 s → 0.5 s for 180 days).
            models.Index(
                fields=["resolved_by", "resolved_at"],
                name="rptm_resolver_cover",
                include=["resolution_seconds", "resolution_business_seconds"],
            ),
            models.Index(fields=["channel_group", "created_at"], name="rptm_group_created"),
        ]


class AgentTicketTime(models.Model):
    """Handling time of one assignee on one ticket: the time the ticket was assigned to them while open."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seconds = models.BigIntegerField(default=0)
    business_seconds = models.BigIntegerField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)  # the ticket's, for the period filter

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "user"], name="uniq_agent_ticket_time")]
        indexes = [models.Index(fields=["user", "resolved_at"], name="rpt_agenttime_user_resolved")]


class TicketTerm(models.Model):
    """One distinct word of a ticket's first incoming message (folded, stop-words removed)."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    term = models.CharField(max_length=40)
    language = models.CharField(max_length=2, blank=True)
    created_at = models.DateTimeField()  # the ticket's

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "term"], name="uniq_ticket_term")]
        indexes = [
            models.Index(fields=["created_at", "term"], name="rpt_term_created"),
            models.Index(fields=["term", "created_at"], name="rpt_term_term_created"),
        ]


class TicketFacet(TicketFigures):
    """One tag, tag group or line of business of a ticket, with the ticket's figures and filters copied beside
    it (issue 8: reports grouped by tag, group or line of business at 1,000,000 tickets).

    A ticket has one row per tag it carries, one per distinct group of those tags and one per distinct line of
    business (``key`` null: a tag without a group or line of business), so a group counts or sums each ticket
    once without ``DISTINCT``. Derived from ``TicketMetrics``, ``TicketTag`` and ``Tag`` by
    ``parlons.reports.metrics.refresh_facets`` (after each metrics computation, after a tag is regrouped or
    deleted, and by ``parlons reports rebuild``)."""

    class Kind(models.IntegerChoices):
        TAG = 1, "tag"
        TAG_GROUP = 2, "tag group"
        LINE_OF_BUSINESS = 3, "line of business"

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    kind = models.PositiveSmallIntegerField(choices=Kind.choices)
    key = models.BigIntegerField(null=True, blank=True)  # the tag, tag group or line of business id
    # Copied from TicketMetrics: the dates, the filters and the figures.
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    team_id = models.BigIntegerField(null=True, blank=True)
    platform = models.CharField(max_length=16)
    channel_group_id = models.BigIntegerField(null=True, blank=True)
    language = models.CharField(max_length=2, blank=True)
    # ... and the figures (``TicketFigures``).

    class Meta:
        # Covering (PostgreSQL): counts by creation date, and resolution or handling times by resolution date,
        # are read from the index alone.
        indexes = [
            models.Index(fields=["kind", "created_at"], name="rpt_facet_created", include=["key"]),
            models.Index(
                fields=["kind", "resolved_at"],
                name="rpt_facet_resolved",
                include=[
                    "key",
                    "resolution_seconds",
                    "resolution_business_seconds",
                    "handling_seconds",
                    "handling_business_seconds",
                ],
            ),
        ]


class TermDay(models.Model):
    """How many tickets created on one local day (``PARLONS_DEFAULT_USER_TIME_ZONE``) use a term, per ticket
    language: ``TicketTerm`` counted per day, kept by ``parlons.reports.metrics`` with every change of the
    terms (issue 8: the most frequent terms and the keywords over 180 days without counting the raw rows)."""

    day = models.DateField()
    term = models.CharField(max_length=40)
    language = models.CharField(max_length=2, blank=True)
    tickets = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "term", "language"], name="uniq_term_day"),
        ]
        # the count rides in the index: a period's terms are summed from the index alone
        indexes = [models.Index(fields=["day", "term", "language", "tickets"], name="rpt_termday_cover")]


class ReportExport(models.Model):
    """A long export run as a task: its progress and, when done, the file to download."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    report = models.CharField(max_length=40)
    params = models.JSONField(default=dict)
    format = models.CharField(max_length=5)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    file = models.CharField(max_length=500, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    @property
    def percent(self) -> int:
        return (
            100 if self.state == self.State.DONE else int(100 * self.done / self.total) if self.total else 0
        )


class SavedReport(models.Model):
    """A report saved with its settings (RPT-2): private to its owner or shared with one of their teams, run
    again later over the same length of period ending today, and optionally sent by e-mail."""

    class Schedule(models.TextChoices):
        NONE = "", _("Not sent")
        WEEKLY = "weekly", _("Every week (the last 7 days)")
        MONTHLY = "monthly", _("Every month (the previous month)")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=120)
    report = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)  # query values, without the period
    period_days = models.PositiveIntegerField(default=30)
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    schedule = models.CharField(max_length=10, choices=Schedule.choices, default="", blank=True)
    next_send_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
