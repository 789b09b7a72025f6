"""Keep the search index current: every change to a ticket's text queues a reindex of that ticket (one task for
the tickets of a batch of changes).

The events are dispatched after commit, so the task reads the committed text; enqueueing is cheap and the
worker does the rebuild (the ``default`` queue)."""

from __future__ import annotations

from parlons.core.event_types import MessageCreated, NoteCreated, TicketCreated, TicketUpdated
from parlons.core.events import DomainEvent, subscribe_batch

# The ``changes`` of ``ticket.updated`` that alter the indexed text (subject, messages, notes, contact).
# ``tags``, ``channel_group``, ``language``: the PostgreSQL documents carry them as facets (``match_sql``).
TEXT_CHANGES = {"subject", "messages", "notes", "contact", "merged", "tags", "channel_group", "language"}


@subscribe_batch(TicketCreated, TicketUpdated, MessageCreated, NoteCreated, durable=True)
def queue_reindex(events: list[DomainEvent]) -> None:
    """One task for the tickets whose text the events changed (a batch of ingested messages: one task)."""
    from parlons.search.tasks import reindex_ticket, reindex_ticket_batch

    ids: dict[int, None] = {}
    for event in events:
        if event.type == "ticket.updated":
            changes = event.data.get("changes")
            if changes is not None and not TEXT_CHANGES.intersection(changes):
                continue  # a status or assignment change does not change the text
        if event.ticket_id:
            ids[event.ticket_id] = None
    if len(ids) == 1:
        reindex_ticket.enqueue(next(iter(ids)))
    elif ids:
        reindex_ticket_batch.enqueue(list(ids))
