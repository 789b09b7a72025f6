"""The only writers of automation data, and the rule runner (OPS-12, OPS-25).

Managing rules and auto-tags needs ``system.admin``; reading them and trying them (dry run) also
``tickets.manage``. Rules act through the ticket services as the system with ``via="rule:<id>"``.

No loops: an event caused by a rule never triggers that same rule, and on one ticket at most
``MAX_CHAIN`` rule runs may follow each other because of rule-caused events before the chain is cut (A adds a
note, which triggers B, which adds a note, which triggers A…). The count starts again at the next event that
a person, a channel or the system caused.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from parlons.accounts.models import Team, User
from parlons.accounts.permissions import ADMIN, MANAGE, has_perm, require
from parlons.automation import assignment, engine
from parlons.automation.actions import perform
from parlons.automation.models import AssignmentPolicy, AutoTag, RoundRobinState, Rule, RuleRun, RuleSetState
from parlons.automation.schemas import MAX_KEYWORD_LENGTH, MAX_KEYWORDS, TEXT_TRIGGERS, validate_document
from parlons.core.actors import SYSTEM, actor_user
from parlons.core.db import atomic
from parlons.core.errors import Invalid, NotFound
from parlons.core.event_types import (
    AssignmentPolicyChanged,
    AutoTagCreated,
    AutoTagDeleted,
    AutoTagUpdated,
    Event,
    RuleCreated,
    RuleDeleted,
    RulesReordered,
    RuleUpdated,
)
from parlons.core.events import publish
from parlons.tickets.models import Message, Tag, Ticket
from parlons.tickets.selectors import tickets_visible_to

logger = logging.getLogger(__name__)
MAX_CHAIN = 10
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


def _forget_compiled() -> None:
    """Every process compiles the rules and the assignment policies again (RuleSetState's token)."""
    RuleSetState.bump()
    engine.forget_compiled_rules()


def _changed(event: type[Event], actor, via: str, **data) -> None:
    _forget_compiled()
    publish(event(actor_id=getattr(actor, "pk", None), via=via, **data))


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


# --- running rules --------------------------------------------------------------------------------
_chain = threading.local()


def _rule_of(via: str) -> int | None:
    if via and via.startswith("rule:"):
        try:
            return int(via.split(":", 1)[1])
        except ValueError:
            return None
    return None


def _chain_counts() -> dict[int, int]:
    counts = getattr(_chain, "counts", None)
    if counts is None or len(counts) > 10000:  # bounded: a chain lives for one burst of events
        counts = _chain.counts = {}
    return counts


def execute(rule: engine.CompiledRule, ticket_id: int, *, trigger: str) -> list[dict]:
    """Run a rule's actions in order; an action that cannot be done is logged and the next one runs."""
    results = []
    for action in rule.actions:
        try:
            perform(action, ticket_id, rule_id=rule.id, rule_name=rule.name)
            results.append({"type": action["type"], "ok": True})
        except Exception as exc:  # one failing action (e.g. reply to a closed ticket) must not stop the rest
            logger.info("rule %s action %s on ticket %s failed: %s", rule.id, action["type"], ticket_id, exc)
            results.append({"type": action["type"], "ok": False, "error": str(exc)[:500]})
    return results


def run_rules(
    trigger: str,
    ticket_id: int,
    *,
    via: str = "",
    text: str | None = None,
    now: datetime | None = None,
    rule_set: engine.RuleSet | None = None,
    facts: engine.Facts | None = None,
) -> list[int]:
    """Evaluate the active rules of ``trigger`` on a ticket, in order, and run the actions of those that
    match. Returns the ids of the rules that acted.

    ``facts``: the ticket's facts when the event's query already read them (``engine.read_event``);
    otherwise the ticket is read here. They are read again, when a later rule needs them, only after a rule
    ran an action that may have changed the ticket. One ``RuleRun`` row per rule that acted, written at the
    end."""
    rule_set = rule_set or engine.current()
    rules = rule_set.by_trigger.get(trigger, [])
    if not rules:
        return []
    source = _rule_of(via)
    counts = _chain_counts()
    if source is None:
        counts.pop(ticket_id, None)
    elif counts.get(ticket_id, 0) >= MAX_CHAIN:
        logger.warning("rule chain on ticket %s cut after %s rule runs", ticket_id, MAX_CHAIN)
        return []
    if facts is None:
        facts = engine.Facts(
            ticket_id=ticket_id,
            text=text if trigger in TEXT_TRIGGERS else "",
            now=now,
            needs=rule_set.needs((trigger,)),
        )
        try:
            facts.ticket  # noqa: B018  (read now: no rule acts on a ticket that is gone)
        except engine.TicketGone:
            return []
    acted: list[int] = []
    runs: list[RuleRun] = []
    for rule in rules:
        if rule.id == source:
            continue  # a rule's own change never re-triggers it
        try:
            if not rule.matches(facts):
                continue
        except engine.TicketGone:
            break
        if source is not None:
            counts[ticket_id] = counts.get(ticket_id, 0) + 1
            if counts[ticket_id] > MAX_CHAIN:
                logger.warning("rule chain on ticket %s cut after %s rule runs", ticket_id, MAX_CHAIN)
                break
        results = execute(rule, ticket_id, trigger=trigger)
        runs.append(RuleRun(rule_id=rule.id, ticket_id=ticket_id, trigger=trigger, results=results))
        acted.append(rule.id)
        if any(r.get("ok") and r.get("type") not in _LEAVES_TICKET for r in results):
            facts.forget()  # the next rules see the ticket as this one left it (read again when needed)
    _save_runs(runs)
    return acted


# Actions that change nothing on the ticket (and cause no ticket event): the facts stay true after them.
_LEAVES_TICKET = frozenset({"notify", "webhook"})


def _save_runs(runs: list[RuleRun]) -> None:
    """The ``RuleRun`` rows of one event, in one INSERT.

    On PostgreSQL, outside a transaction, their commit does not wait for the disk (``synchronous_commit``
    off for this transaction only): a synchronous commit costs a WAL flush, more than the whole decision,
    and these rows only record what the rules did (the ticket's history, written by the actions' own
    transactions, names the rule too). A crash of the database server may lose the last fraction of a second
    of them, never part of a row nor anything else. Inside a transaction (the caller's) the rows are written
    in it, as any other write."""
    from django.db import connection

    if not runs:
        return
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            RuleRun.objects.bulk_create(runs)
    elif len(runs) == 1:
        runs[0].save()  # one INSERT (bulk_create adds BEGIN and COMMIT)
    else:
        RuleRun.objects.bulk_create(runs)


def run_idle_rules(now: datetime, *, batch: int = 500) -> int:
    """ "Time since the last update" rules: each fires once per ticket (not closed) left untouched for its
    number of hours. Returns how many times rules acted."""
    acted = 0
    for rule in engine.active_rules("time_since_update"):
        if not rule.hours:
            continue
        cutoff = now - timedelta(hours=rule.hours)
        done = RuleRun.objects.filter(rule_id=rule.id, trigger="time_since_update").values("ticket_id")
        candidates = (
            Ticket.objects.select_related("channel_group__channel")
            .filter(updated_at__lte=cutoff)
            .exclude(status=Ticket.Status.CLOSED)
            .exclude(pk__in=done)
            .order_by("updated_at", "id")[:batch]
        )
        for ticket in candidates:
            if not rule.matches(engine.Facts(ticket, now=now)):
                continue
            try:
                with atomic():
                    run = RuleRun.objects.create(
                        rule_id=rule.id, ticket_id=ticket.pk, trigger="time_since_update", results=[]
                    )
            except IntegrityError:  # already fired on this ticket
                continue
            _chain_counts().pop(ticket.pk, None)
            run.results = execute(rule, ticket.pk, trigger="time_since_update")
            run.save(update_fields=["results"])
            acted += 1
    return acted


# --- automatic assignment (OPS-6, OPS-24; the choice itself: parlons.automation.assignment) -------------
@atomic
def set_assignment_policy(
    *, actor, via: str = "web", team: Team | None = None, method: str, sticky: bool, sticky_days: int
) -> AssignmentPolicy:
    """Set the global policy (team None) or a team's. Needs system.admin. Publishes
    ``assignment.policy_changed``."""
    require(actor, ADMIN)
    if method not in AssignmentPolicy.Method.values:
        raise Invalid(
            _("Unknown assignment method “%(value)s”.") % {"value": method}, details={"field": "method"}
        )
    try:
        sticky_days = int(sticky_days)
    except (TypeError, ValueError):
        sticky_days = -1
    if not 1 <= sticky_days <= assignment.MAX_STICKY_DAYS:
        raise Invalid(
            _("Give a number of days between 1 and %(max)s.") % {"max": assignment.MAX_STICKY_DAYS},
            details={"field": "sticky_days"},
        )
    row = (
        AssignmentPolicy.objects.select_for_update().filter(team=team).first()
        if team
        else (AssignmentPolicy.objects.select_for_update().filter(team__isnull=True).first())
    )
    if row is None:
        row = AssignmentPolicy(team=team)
    row.method, row.sticky, row.sticky_days = method, bool(sticky), sticky_days
    row.save()
    _changed(AssignmentPolicyChanged, actor, via, team_id=getattr(team, "pk", None))
    return row


@atomic
def clear_assignment_policy(*, actor, team: Team) -> None:
    """The team follows the global policy again. Needs system.admin; publishes nothing."""
    require(actor, ADMIN)
    AssignmentPolicy.objects.filter(team=team).delete()
    _forget_compiled()


@atomic
def auto_assign(ticket_id: int) -> User | None:
    """Assign a new unassigned ticket following the policy, as the system (after ``ticket.created``), and
    record the team's round-robin turn; returns the agent chosen (or None). The assignment goes through
    ``update_ticket`` with ``via="assignment"``: its history row and ``ticket.updated``."""
    from parlons.tickets.services import Changes, update_ticket

    ticket = (
        Ticket.objects.select_for_update(of=("self",), no_key=True)
        .select_related("channel_group", "team")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None or ticket.assignee_id is not None or not ticket.is_open:
        return None
    agent, team, reason = assignment.choose(ticket)
    if agent is None:
        return None
    if reason == "round_robin":
        RoundRobinState.objects.update_or_create(team=team, defaults={"last_user": agent})
    changes = Changes(assignee=agent)
    if ticket.team_id is None and team is not None:
        changes.team = team
    update_ticket(ticket.pk, changes, actor=SYSTEM, via=assignment.VIA)
    return agent


# --- auto-tagging (OPS-25) ------------------------------------------------------------------------
def _clean_keywords(value, field_name: str) -> list[str]:
    if isinstance(value, str):
        value = value.replace("\n", ",").split(",")
    words = list(dict.fromkeys(str(w).strip() for w in (value or []) if str(w).strip()))
    if len(words) > MAX_KEYWORDS:
        raise Invalid(_("At most %(max)s words.") % {"max": MAX_KEYWORDS}, details={"field": field_name})
    if any(len(w) > MAX_KEYWORD_LENGTH for w in words):
        raise Invalid(
            _("A word is longer than %(max)s characters.") % {"max": MAX_KEYWORD_LENGTH},
            details={"field": field_name},
        )
    return words


def _auto_tag_fields(tag_slug, keywords_en, keywords_fr, sources) -> dict:
    tag = Tag.objects.filter(slug=str(tag_slug or "").strip()).first()
    if tag is None:
        raise Invalid(_("Unknown tags: %(tags)s") % {"tags": tag_slug}, details={"field": "tag"})
    if tag.is_archived:
        raise Invalid(
            _("Archived tags cannot be added: %(tags)s") % {"tags": tag.slug}, details={"field": "tag"}
        )
    en = _clean_keywords(keywords_en, "keywords_en")
    fr = _clean_keywords(keywords_fr, "keywords_fr")
    if not en and not fr:
        raise Invalid(_("Give at least one word."), details={"field": "keywords_en"})
    sources = set(sources or ())
    unknown = sources - {"messages", "notes", "replies"}
    if unknown or not sources:
        raise Invalid(_("Choose where to look: messages, notes, replies."), details={"field": "sources"})
    return {
        "tag": tag,
        "keywords_en": en,
        "keywords_fr": fr,
        "on_messages": "messages" in sources,
        "on_notes": "notes" in sources,
        "on_replies": "replies" in sources,
    }


@atomic
def create_auto_tag(
    *,
    actor,
    via: str = "web",
    tag: str,
    keywords_en=(),
    keywords_fr=(),
    sources=("messages", "notes", "replies"),
    is_enabled=True,
) -> AutoTag:
    require(actor, ADMIN)
    auto = AutoTag.objects.create(
        **_auto_tag_fields(tag, keywords_en, keywords_fr, sources), is_enabled=bool(is_enabled)
    )
    _changed(AutoTagCreated, actor, via, id=auto.pk)
    return auto


@atomic
def update_auto_tag(
    auto: AutoTag,
    *,
    actor,
    via: str = "web",
    tag: str,
    keywords_en=(),
    keywords_fr=(),
    sources=(),
    is_enabled=True,
) -> AutoTag:
    require(actor, ADMIN)
    for key, value in _auto_tag_fields(tag, keywords_en, keywords_fr, sources).items():
        setattr(auto, key, value)
    auto.is_enabled = bool(is_enabled)
    auto.save()
    _changed(AutoTagUpdated, actor, via, id=auto.pk)
    return auto


@atomic
def delete_auto_tag(auto: AutoTag, *, actor, via: str = "web") -> None:
    require(actor, ADMIN)
    pk = auto.pk
    AutoTag.objects.filter(pk=pk).delete()
    _changed(AutoTagDeleted, actor, via, id=pk)


def apply_auto_tags(
    ticket_id: int, text: str, *, source: str, rule_set=None, facts: engine.Facts | None = None
) -> list[str]:
    """Add the tags whose keywords the text contains (source: "in" message, "out" reply, "note").
    Returns the slugs added. ``facts``: the ticket's facts of the event, whose tags are used when they are
    already read (and still true)."""
    items = (rule_set or engine.current()).auto_tags
    if not items or not text:
        return []
    from parlons.search.text import fold

    folded = fold(text[: engine.MAX_TEXT])
    wanted = [
        (tag_id, slug) for tag_id, slug, sources, regex in items if source in sources and regex.search(folded)
    ]
    if not wanted:
        return []
    present = facts.known_tag_slugs() if facts is not None else None
    if present is None:
        present = set(
            Ticket.tags.through.objects.filter(ticket_id=ticket_id).values_list("tag__slug", flat=True)
        )
    to_add = [tag_id for tag_id, slug in wanted if slug not in present]
    if not to_add:
        return []
    from parlons.tickets.services import add_tags

    tags = list(Tag.objects.filter(pk__in=to_add))
    add_tags(ticket_id, tags, actor=SYSTEM, via="autotag")
    return [t.slug for t in tags]
