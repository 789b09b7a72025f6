"""Keep the search index current: every change to a ticket's text queues a reindex of that ticket.

The events are dispatched after commit, so the task reads the committed text; enqueueing is cheap and the
worker does the rebuild (the ``default`` queue)."""

from __future__ import annotations

from parlons.core.events import DomainEvent, subscribe

# The ``changes`` of ``ticket.updated`` that alter the indexed text (subject, messages, notes, contact).
TEXT_CHANGES = {"subject", "messages", "notes", "contact", "merged"}


@subscribe("ticket.created", "ticket.updated", "message.created", "note.created")
def queue_reindex(event: DomainEvent) -> None:
    from parlons.search.tasks import reindex_ticket

    if event.type == "ticket.updated":
        changes = event.data.get("changes")
        if changes is not None and not TEXT_CHANGES.intersection(changes):
            return  # a status or assignment change does not change the text
    if event.type in ("message.created", "note.created"):
        ticket_id = event.data.get("ticket_id")
    else:
        ticket_id = event.data.get("id")
    if ticket_id:
        reindex_ticket.enqueue(int(ticket_id))
