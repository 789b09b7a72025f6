"""Automation: rules (OPS-12), keyword auto-tagging (OPS-25) and automatic assignment (OPS-6, OPS-24).

A rule is a validated JSON document (``parlons.automation.schemas.RuleDocument``): a trigger, conditions
combined with all/any and an ordered list of actions. Only ``parlons.automation.services`` writes these rows.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Rule(models.Model):
    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveIntegerField(default=0, db_index=True)
    is_enabled = models.BooleanField(default=True)
    trigger = models.CharField(max_length=32, db_index=True)
    document = models.JSONField(default=dict, help_text="trigger, match, conditions, actions (validated)")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class RuleRun(models.Model):
    """One time a rule acted on a ticket: what it did (and what failed). A "time since last update" rule
    fires once per ticket (the partial unique constraint)."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="runs")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    trigger = models.CharField(max_length=32)
    results = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "ticket"], condition=Q(trigger="time_since_update"), name="uniq_rule_idle_run"
            )
        ]


class RuleSetState(models.Model):
    """One row whose token changes whenever any rule changes: every process compares it with the token of
    its compiled rules, so a change made on one machine is seen by all (one indexed read per event)."""

    token = models.CharField(max_length=32, default="")

    @classmethod
    def bump(cls) -> str:
        token = uuid.uuid4().hex
        cls.objects.update_or_create(pk=1, defaults={"token": token})
        return token


class AutoTag(models.Model):
    """Keyword auto-tagging (OPS-25): when a message, note or reply contains one of the keywords (English or
    French list, accents optional), the tag is added."""

    tag = models.ForeignKey("tickets.Tag", on_delete=models.CASCADE, related_name="+")
    keywords_en = models.JSONField(default=list)
    keywords_fr = models.JSONField(default=list)
    on_messages = models.BooleanField(default=True)
    on_notes = models.BooleanField(default=True)
    on_replies = models.BooleanField(default=True)
    is_enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tag__slug", "id"]


class AssignmentPolicy(models.Model):
    """How new unassigned tickets are given out (OPS-6, OPS-24): one global row (team empty) and optional
    rows per team that override it."""

    class Method(models.TextChoices):
        NONE = "none", _("Do not assign automatically")
        ROUND_ROBIN = "round_robin", _("Round-robin")
        LEAST_OPEN = "least_open", _("Fewest open tickets")

    team = models.OneToOneField(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="assignment_policy"
    )
    method = models.CharField(max_length=16, choices=Method.choices, default=Method.ROUND_ROBIN)
    sticky = models.BooleanField(default=True, help_text="A returning client goes to the agent of last time")
    sticky_days = models.PositiveIntegerField(default=30)
    updated_at = models.DateTimeField(auto_now=True)


class RoundRobinState(models.Model):
    """Where the round-robin of a team stands (the agent who got the last ticket)."""

    team = models.OneToOneField("accounts.Team", on_delete=models.CASCADE, related_name="+")
    last_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
