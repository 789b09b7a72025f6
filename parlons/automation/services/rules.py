"""Rules (OPS-12): creating, changing, deleting and ordering them (``system.admin``), and trying one on the
tickets the actor may see without changing anything (the dry run; also ``tickets.manage``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.accounts.permissions import ADMIN, MANAGE, has_perm, require
from parlons.automation import engine
from parlons.automation.models import Rule
from parlons.automation.schemas import validate_document
from parlons.automation.services._common import _changed
from parlons.core.actors import actor_user
from parlons.core.db import atomic
from parlons.core.errors import Invalid, NotFound
from parlons.core.event_types import RuleCreated, RuleDeleted, RulesReordered, RuleUpdated
from parlons.tickets.models import Message, Ticket
from parlons.tickets.selectors import tickets_visible_to

MAX_DRY_RUN = 200
MAX_RULES = 1000


def require_read(actor) -> None:
    """Reading and trying rules: administrators, and team leads (tickets.manage)."""
    if not has_perm(actor, MANAGE):
        require(actor, ADMIN)


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise Invalid(_("A rule needs a name."), details={"field": "name"})
    if len(name) > 200:
        raise Invalid(
            _("The name is longer than %(max)s characters.") % {"max": 200}, details={"field": "name"}
        )
    return name


# --- rules ----------------------------------------------------------------------------------------
@atomic
def create_rule(
    *, actor, via: str = "web", name: str, document: Any, is_enabled: bool = True, position: int | None = None
) -> Rule:
    require(actor, ADMIN)
    name = _clean_name(name)
    doc = validate_document(document)
    if Rule.objects.count() >= MAX_RULES:
        raise Invalid(_("At most %(max)s rules.") % {"max": MAX_RULES}, code="too_many_rules")
    if position is None:
        last = Rule.objects.order_by("-position").values_list("position", flat=True).first()
        position = (last or 0) + 1
    rule = Rule.objects.create(
        name=name,
        document=doc,
        trigger=doc["trigger"],
        is_enabled=bool(is_enabled),
        position=max(0, int(position)),
        created_by=actor_user(actor),
    )
    _changed(RuleCreated, actor, via, id=rule.pk)
    return rule


@atomic
def update_rule(
    rule: Rule,
    *,
    actor,
    via: str = "web",
    name: str | None = None,
    document: Any = None,
    is_enabled: bool | None = None,
) -> Rule:
    require(actor, ADMIN)
    rule = Rule.objects.select_for_update().get(pk=rule.pk)
    if name is not None:
        rule.name = _clean_name(name)
    if document is not None:
        rule.document = validate_document(document)
        rule.trigger = rule.document["trigger"]
    if is_enabled is not None:
        rule.is_enabled = bool(is_enabled)
    rule.save()
    _changed(RuleUpdated, actor, via, id=rule.pk)
    return rule


@atomic
def delete_rule(rule: Rule, *, actor, via: str = "web") -> None:
    require(actor, ADMIN)
    pk = rule.pk
    Rule.objects.filter(pk=pk).delete()
    _changed(RuleDeleted, actor, via, id=pk)


@atomic
def reorder_rules(ids: list[int], *, actor, via: str = "web") -> list[Rule]:
    """Put the rules in the order given (every rule once); rules run in this order."""
    require(actor, ADMIN)
    try:
        ids = [int(i) for i in ids]
    except (TypeError, ValueError):
        raise Invalid(_("Give the rule ids in their new order."), details={"field": "ids"})
    existing = set(Rule.objects.values_list("pk", flat=True))
    if len(ids) != len(set(ids)) or set(ids) != existing:
        raise Invalid(
            _("Give every rule exactly once, in its new order."), code="bad_order", details={"field": "ids"}
        )
    rules = {r.pk: r for r in Rule.objects.select_for_update()}
    for position, pk in enumerate(ids, start=1):
        if rules[pk].position != position:
            Rule.objects.filter(pk=pk).update(position=position)
    _changed(RulesReordered, actor, via, ids=ids)
    return list(Rule.objects.order_by("position", "id"))


def move_rule(rule: Rule, offset: int, *, actor) -> list[Rule]:
    """Move a rule up (-1) or down (+1) in the order."""
    ids = list(Rule.objects.order_by("position", "id").values_list("pk", flat=True))
    if rule.pk not in ids:
        raise NotFound()
    i = ids.index(rule.pk)
    j = max(0, min(len(ids) - 1, i + offset))
    ids.insert(j, ids.pop(i))
    return reorder_rules(ids, actor=actor)


# --- dry run --------------------------------------------------------------------------------------
class _Unsaved:
    pk = 0
    name = ""
    position = 0

    def __init__(self, document: dict, name: str = ""):
        self.document = document
        self.trigger = document["trigger"]
        self.name = name


def _text_for(ticket: Ticket, trigger: str) -> str:
    """The text a trigger would carry, taken from the ticket as it is (for the dry run)."""
    if trigger == "ticket_created":
        m = ticket.messages.filter(direction=Message.Direction.IN).order_by("created_at", "id").first()
        return m.body if m else ""
    if trigger == "message_received":
        m = ticket.messages.filter(direction=Message.Direction.IN).order_by("-created_at", "-id").first()
        return m.body if m else ""
    if trigger == "reply_sent":
        m = ticket.messages.filter(direction=Message.Direction.OUT).order_by("-created_at", "-id").first()
        return m.body if m else ""
    if trigger == "note_added":
        n = ticket.notes.order_by("-created_at", "-id").first()
        return n.body if n else ""
    return ""


def dry_run(
    *, actor, document: Any = None, rule: Rule | None = None, limit: int = 20, language: str = "en"
) -> dict:
    """Try a rule (saved, or a document not saved) on the last ``limit`` tickets the actor may see: per ticket,
    which conditions held and which actions would run. Changes nothing (REQ OPS-12)."""
    from parlons.automation.selectors import describe_action, describe_condition, describe_trigger

    require_read(actor)
    if document is None and rule is None:
        raise Invalid(_("Give a rule or a rule document to try."))
    doc = validate_document(document if document is not None else rule.document)
    try:
        limit = int(limit)
    except (TypeError, ValueError):
        raise Invalid(_("The number of tickets must be a number."), details={"field": "limit"})
    if not 1 <= limit <= MAX_DRY_RUN:
        raise Invalid(
            _("Try the rule on 1 to %(max)s tickets.") % {"max": MAX_DRY_RUN}, details={"field": "limit"}
        )
    compiled = engine.compile_rule(_Unsaved(doc, getattr(rule, "name", "")))
    now = timezone.now()
    rows = []
    tickets = (
        tickets_visible_to(actor)
        .select_related("channel_group__channel")
        .order_by("-created_at", "-id")[:limit]
    )
    for ticket in tickets:
        facts = engine.Facts(ticket, text=_text_for(ticket, doc["trigger"]), now=now)
        matched, details = compiled.explain(facts)
        conditions = [
            {"text": describe_condition(d["condition"], language), "matched": d["matched"], **d}
            for d in details
        ]
        if doc["trigger"] == "time_since_update":
            idle = ticket.updated_at <= now - timedelta(hours=doc["hours"]) and ticket.status != "closed"
            conditions.insert(0, {"text": describe_trigger(doc), "matched": idle, "condition": None})
            matched = matched and idle
        rows.append(
            {
                "ticket_id": ticket.pk,
                "subject": ticket.subject,
                "matched": matched,
                "conditions": conditions,
                "actions": [
                    {"type": a["type"], "value": a.get("value"), "text": describe_action(a, language)}
                    for a in doc["actions"]
                ]
                if matched
                else [],
            }
        )
    return {
        "document": doc,
        "tickets": rows,
        "matched": sum(1 for r in rows if r["matched"]),
        "tried": len(rows),
    }
