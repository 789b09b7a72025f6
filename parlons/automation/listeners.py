"""Rules, auto-tagging and assignment listen to the domain events (dispatched after commit).

Order on a new ticket: the "ticket created" rules run first (a rule may assign it), then automatic assignment
if it is still unassigned; the first message then triggers the "message received" rules and auto-tagging.
"""

from __future__ import annotations

import logging

from parlons.core.events import DomainEvent, subscribe

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


@subscribe("ticket.created")
def on_ticket_created(event: DomainEvent) -> None:
    from parlons.automation import assignment, engine, services

    ticket_id = event.data.get("id")
    if not ticket_id:
        return
    rule_set = engine.current()
    rules = rule_set.by_trigger.get("ticket_created")
    if rules:
        needs_text = any(c.get("field") == "text" for rule in rules for c, _check in rule.conditions)
        text = _first_message_text(ticket_id) if needs_text else ""
        services.run_rules("ticket_created", ticket_id, via=event.via, text=text, rule_set=rule_set)
    if rule_set.has_policy:
        assignment.auto_assign(ticket_id)


@subscribe("message.created", "note.created")
def on_text(event: DomainEvent) -> None:
    from parlons.automation import engine, services

    pk = event.data.get("id")
    if not pk:
        return
    rule_set = engine.current()
    kind = "note" if event.type == "note.created" else "message"
    triggers = ("note_added",) if kind == "note" else ("message_received", "reply_sent")
    if not rule_set.auto_tags and not any(rule_set.by_trigger.get(t) for t in triggers):
        return  # nothing to do: not even the text is read
    ticket_id, body, source = services.text_of(kind, pk)
    if ticket_id is None:
        return
    trigger = {"in": "message_received", "out": "reply_sent", "note": "note_added"}[source]
    services.run_rules(trigger, ticket_id, via=event.via, text=body, rule_set=rule_set)
    services.apply_auto_tags(ticket_id, body, source=source, rule_set=rule_set)


@subscribe("message.updated")
def on_message_edited(event: DomainEvent) -> None:
    """An edited message is tagged again from its new text (OPS-25: on update)."""
    from parlons.automation import services

    pk = event.data.get("id")
    if not pk:
        return
    ticket_id, body, source = services.text_of("message", pk)
    if ticket_id is not None:
        services.apply_auto_tags(ticket_id, body, source=source)


@subscribe("ticket.updated")
def on_ticket_updated(event: DomainEvent) -> None:
    from parlons.automation import services

    ticket_id = event.data.get("id")
    if ticket_id:
        services.run_rules("ticket_updated", ticket_id, via=event.via)


@subscribe("sla.warning", "sla.breached")
def on_sla(event: DomainEvent) -> None:
    from parlons.automation import services

    ticket_id = event.data.get("id")
    if ticket_id:
        trigger = "sla_warning" if event.type == "sla.warning" else "sla_breached"
        services.run_rules(trigger, ticket_id, via=event.via)
