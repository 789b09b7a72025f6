"""Rules, auto-tagging and assignment listen to the domain events (dispatched after commit).

Order on a new ticket: the "ticket created" rules run first (a rule may assign it), then automatic assignment
if it is still unassigned; the first message then triggers the "message received" rules and auto-tagging.

One listener takes a batch's events (``on_events``): it reads the rule set once, skips every event that no rule,
auto-tag or assignment policy acts on (no query), and handles the others one by one, in order.
"""

from __future__ import annotations

import logging

from parlons.core.events import DomainEvent, subscribe_batch

logger = logging.getLogger(__name__)


def _first_message_text(ticket_id: int) -> str:
    from django.db import connection

    with connection.cursor() as cursor:  # raw SQL: this runs for every new ticket
        cursor.execute(
            "SELECT body FROM tickets_message WHERE ticket_id = %s AND direction = 'in' "
            "ORDER BY created_at, id LIMIT 1",
            [int(ticket_id)],
        )
        row = cursor.fetchone()
    return row[0] if row else ""


def _facts(read, trigger: str, text: str = ""):
    """The event's facts from what ``engine.read_event`` read (``None`` if it did not read the ticket)."""
    from parlons.automation import engine

    if read.row is None:
        return None
    return engine.Facts(
        ticket_id=read.ticket_id, text=text, row=read.row, needs=read.rule_set.needs((trigger,))
    )


def on_ticket_created(event: DomainEvent) -> None:
    from parlons.automation import engine, services

    ticket_id = event.data.get("id")
    if not ticket_id:
        return
    # One query: the rule-set token, the ticket's facts and the text of its first message.
    read = engine.read_event(triggers=("ticket_created",), ticket_id=ticket_id, first_message=True)
    rule_set = read.rule_set
    if read.ticket_id is not None and rule_set.by_trigger.get("ticket_created"):
        text = read.text
        if text is None:  # not read with the rest (no text condition, or the rules just changed)
            needs_text = "text" in rule_set.needs(("ticket_created",))
            text = _first_message_text(ticket_id) if needs_text else ""
        services.run_rules(
            "ticket_created",
            ticket_id,
            via=event.via,
            text=text,
            rule_set=rule_set,
            facts=_facts(read, "ticket_created", text),
        )
    if rule_set.has_policy:
        services.auto_assign(ticket_id)


_TEXT_TRIGGERS = {"message.created": ("message_received", "reply_sent"), "note.created": ("note_added",)}
_TICKET_TRIGGERS = {
    "ticket.updated": "ticket_updated",
    "sla.warning": "sla_warning",
    "sla.breached": "sla_breached",
}


def on_text(event: DomainEvent) -> None:
    from parlons.automation import engine, services

    pk = event.data.get("id")
    if not pk:
        return
    triggers = _TEXT_TRIGGERS[event.type]
    if event.type == "note.created":
        read = engine.read_event(triggers=triggers, note_id=pk)
    else:
        read = engine.read_event(triggers=triggers, message_id=pk)
    if read.ticket_id is None:
        return
    rule_set, body = read.rule_set, read.text or ""
    trigger = {"in": "message_received", "out": "reply_sent", "note": "note_added"}[read.source]
    facts = _facts(read, trigger, body)
    services.run_rules(trigger, read.ticket_id, via=event.via, text=body, rule_set=rule_set, facts=facts)
    services.apply_auto_tags(read.ticket_id, body, source=read.source, rule_set=rule_set, facts=facts)


def on_message_edited(event: DomainEvent) -> None:
    """An edited message is tagged again from its new text (OPS-25: on update)."""
    from parlons.automation import engine, services

    pk = event.data.get("id")
    if not pk:
        return
    read = engine.read_event(triggers=(), message_id=pk)
    if read.ticket_id is not None:
        services.apply_auto_tags(read.ticket_id, read.text or "", source=read.source, rule_set=read.rule_set)


def on_ticket_event(event: DomainEvent) -> None:
    """A ticket changed, or its SLA warns or is breached: that trigger's rules."""
    from parlons.automation import engine, services

    trigger = _TICKET_TRIGGERS[event.type]
    ticket_id = event.data.get("id")
    if not ticket_id:
        return
    read = engine.read_event(triggers=(trigger,), ticket_id=ticket_id)  # one query
    if read.ticket_id is not None:
        services.run_rules(
            trigger, ticket_id, via=event.via, rule_set=read.rule_set, facts=_facts(read, trigger)
        )


def _acts(rule_set, event: DomainEvent) -> bool:
    """Whether anything of ``rule_set`` could act on the event (else it is skipped without a query)."""
    if event.type == "ticket.created":
        return bool(rule_set.by_trigger.get("ticket_created")) or rule_set.has_policy
    if event.type in _TEXT_TRIGGERS:
        return rule_set.acts_on(_TEXT_TRIGGERS[event.type]) or bool(rule_set.auto_tags)
    if event.type == "message.updated":
        return bool(rule_set.auto_tags)
    return rule_set.acts_on((_TICKET_TRIGGERS[event.type],))


_HANDLERS = {
    "ticket.created": on_ticket_created,
    "message.created": on_text,
    "note.created": on_text,
    "message.updated": on_message_edited,
    "ticket.updated": on_ticket_event,
    "sla.warning": on_ticket_event,
    "sla.breached": on_ticket_event,
}


@subscribe_batch(*_HANDLERS, durable=True)
def on_events(events: list[DomainEvent]) -> None:
    """The events of a batch (or one event), in order: one read of the rule set for all of them, then each
    event that something could act on is handled (its handler reads the ticket's facts, and the rule set again
    if it changed meanwhile). A batch of messages with no rule, auto-tag or policy that concerns them costs one
    query (issue 5: it cost one per event)."""
    from parlons.automation import engine

    rule_set = engine.current()
    for event in events:
        if _acts(rule_set, event):
            try:
                _HANDLERS[event.type](event)
            except Exception:  # one event's failure does not cost the others theirs
                logger.exception("automation failed on %s %s", event.type, event.data.get("id"))
