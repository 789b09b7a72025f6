"""Keep the report figures up to date as the work happens: recompute the metrics of the tickets a change (or a
batch of changes, in one pass) touched, and with them their facets and the day counts of their terms; a tag that
changes group or line of business, or is deleted, moves its tickets' facets."""

from __future__ import annotations

from parlons.core.db import retry_transient
from parlons.core.event_types import MessageCreated, TagDeleted, TagUpdated, TicketCreated, TicketUpdated
from parlons.core.events import DomainEvent, subscribe, subscribe_batch
from parlons.reports import metrics

# ticket.updated changes that move a figure or a dimension the reports group by.
RELEVANT = {"status", "assignee", "team", "channel_group", "language", "tags"}


@subscribe_batch(TicketCreated, TicketUpdated, MessageCreated, durable=True)
def recompute(events: list[DomainEvent]) -> None:
    """One recomputation for every ticket the events touched (a batch of ingested messages: one pass)."""
    ids: dict[int, None] = {}
    for event in events:
        if event.type == "ticket.updated" and not RELEVANT & set(event.data.get("changes") or []):
            continue
        if event.ticket_id:
            ids[event.ticket_id] = None
    if ids:
        retry_transient(metrics.compute, list(ids))  # another worker's listeners may touch the same rows


@subscribe(TagUpdated, TagDeleted, durable=True)
def tag_changed(event: DomainEvent) -> None:
    metrics.refresh_facets_of_tag(event.data["id"])
