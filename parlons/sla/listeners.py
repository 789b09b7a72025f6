"""Keep each ticket's due times current from the domain events (after commit): one reconciliation for the
tickets of a batch of changes."""

from __future__ import annotations

from parlons.core.event_types import MessageCreated, TicketCreated, TicketUpdated
from parlons.core.events import DomainEvent, subscribe_batch


@subscribe_batch(TicketCreated, TicketUpdated, MessageCreated, durable=True)
def sync_due_times(events: list[DomainEvent]) -> None:
    from parlons.core.db import retry_transient
    from parlons.sla.services import sync_tickets

    # Another worker's ingest batch may lock the same tickets in another order: a deadlock, run again.
    retry_transient(sync_tickets, [event.ticket_id for event in events])
