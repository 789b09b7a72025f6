"""Keep each ticket's due times current from the domain events (after commit)."""

from __future__ import annotations

from parlons.core.events import DomainEvent, subscribe


@subscribe("ticket.created", "ticket.updated")
def _ticket_changed(event: DomainEvent) -> None:
    from parlons.sla.services import sync_ticket

    sync_ticket(event.data.get("id"))


@subscribe("message.created")
def _message_created(event: DomainEvent) -> None:
    from parlons.sla.services import sync_ticket

    sync_ticket(event.data.get("ticket_id"))
