"""Running rules: the active rules of a trigger evaluated on a ticket, in order, and the actions of those that
match run as the system with ``via="rule:<id>"``; the "time since the last update" rules of the periodic job.

No loops: an event caused by a rule never triggers that same rule, and on one ticket at most ``MAX_CHAIN`` rule
runs may follow each other because of rule-caused events before the chain is cut."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from django.db import IntegrityError

from parlons.automation import engine
from parlons.automation.actions import perform
from parlons.automation.models import RuleRun
from parlons.automation.schemas import TEXT_TRIGGERS
from parlons.core.db import atomic
from parlons.tickets.models import Ticket

logger = logging.getLogger(__name__)
MAX_CHAIN = 10


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
