"""Reads for the automation screens and API: rules in order, readable sentences for conditions and actions,
and the choices offered by the rule editor."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from parlons.automation.models import AutoTag, Rule
from parlons.automation.schemas import (
    ACTIONS,
    BUSINESS_HOURS_VALUES,
    CONDITION_FIELDS,
    CONTACT_VALUES,
    LANGUAGES,
    OPS,
    TRIGGERS,
)


def rules_in_order():
    return Rule.objects.order_by("position", "id")


def auto_tags():
    return AutoTag.objects.select_related("tag").order_by("tag__slug", "id")


def rule_names(rule_ids: Iterable[int]) -> dict[int, str]:
    """The current names of rules by id, in one query for a page of history; a deleted rule is absent."""
    return dict(Rule.objects.filter(pk__in=set(rule_ids)).values_list("pk", "name"))


def choices(kind: str, language: str = "en") -> list[tuple[str, str]]:
    """(value, label) pairs offered for a value of ``kind`` (see schemas)."""
    from parlons.accounts.models import Team, User
    from parlons.tickets.models import ChannelGroup, Platform, Tag, Ticket, Tracker

    if kind == "platforms":
        return [(v, str(label)) for v, label in Platform.choices]
    if kind == "languages":
        return [(k, str(v)) for k, v in LANGUAGES.items()]
    if kind in ("statuses", "status"):
        return [(v, str(label)) for v, label in Ticket.Status.choices]
    if kind in ("priorities", "priority"):
        return [(v, str(label)) for v, label in Ticket.Priority.choices]
    if kind == "channel_groups":
        return [
            (str(g.pk), f"{g.name} ({g.channel.get_platform_display()})")
            for g in ChannelGroup.objects.select_related("channel")
        ]
    if kind in ("teams", "team"):
        return [(str(t.pk), t.name) for t in Team.objects.filter(is_archived=False)]
    if kind in ("users", "user"):
        return [(str(u.pk), u.display_name) for u in User.objects.filter(is_active=True, is_bot=False)]
    if kind == "tags":
        return [(t.slug, t.name_in(language)) for t in Tag.objects.filter(is_archived=False)]
    if kind == "tracker":
        return [(str(t.pk), t.name) for t in Tracker.objects.filter(is_archived=False)]
    if kind == "canned":
        from parlons.tickets.models import CannedResponse

        return [(str(c.pk), c.name) for c in CannedResponse.objects.filter(is_archived=False)]
    if kind == "endpoint":
        from parlons.integrations.models import WebhookEndpoint

        return [
            (str(e.pk), str(getattr(e, "name", "") or getattr(e, "url", e.pk)))
            for e in WebhookEndpoint.objects.all()
        ]
    if kind == "contact":
        return [(k, str(v)) for k, v in CONTACT_VALUES.items()]
    if kind == "business_hours":
        return [(k, str(v)) for k, v in BUSINESS_HOURS_VALUES.items()]
    return []


def _value_text(kind: str, value: Any, language: str) -> str:
    if value is None:
        return ""
    values = value if isinstance(value, list) else [value]
    if kind in ("text", "body"):
        return ", ".join(f"“{v}”" for v in values)
    try:
        labels = dict(choices(kind, language))
    except Exception:  # a contract's model missing: show the raw values
        labels = {}
    return ", ".join(labels.get(str(v), str(v)) for v in values)


def describe_condition(cond: dict, language: str = "en") -> str:
    spec = CONDITION_FIELDS.get(cond.get("field"))
    if spec is None:
        return str(cond)
    op = str(OPS.get(cond.get("op"), cond.get("op")))
    text = _value_text(spec.kind, cond.get("value"), language)
    return f"{spec.label} {op} {text}".strip()


def describe_action(action: dict, language: str = "en") -> str:
    spec = ACTIONS.get(action.get("type"))
    if spec is None:
        return str(action)
    text = _value_text(spec.kind, action.get("value"), language)
    return f"{spec.label}: {text}" if text else str(spec.label)


def describe_trigger(doc: dict) -> str:
    label = str(TRIGGERS.get(doc.get("trigger"), doc.get("trigger")))
    if doc.get("trigger") == "time_since_update" and doc.get("hours"):
        return _("%(trigger)s: %(hours)s h") % {"trigger": label, "hours": doc["hours"]}
    return label
