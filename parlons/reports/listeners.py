"""Keep the report figures up to date as the work happens: recompute a ticket's metrics after each change (and
with them its facets and the day counts of its terms); a tag that changes group or line of business, or is
deleted, moves its tickets' facets."""

from __future__ import annotations

from parlons.core.events import DomainEvent, subscribe
from parlons.reports import metrics

# ticket.updated changes that move a figure or a dimension the reports group by.
RELEVANT = {"status", "assignee", "team", "channel_group", "language", "tags"}


@subscribe("ticket.created")
def ticket_created(event: DomainEvent) -> None:
    metrics.compute([event.data["id"]])


@subscribe("ticket.updated")
def ticket_updated(event: DomainEvent) -> None:
    if RELEVANT & set(event.data.get("changes") or []):
        metrics.compute([event.data["id"]])


@subscribe("message.created")
def message_created(event: DomainEvent) -> None:
    ticket_id = event.data.get("ticket_id")
    if ticket_id:
        metrics.compute([ticket_id])


@subscribe("tag.updated", "tag.deleted")
def tag_changed(event: DomainEvent) -> None:
    metrics.refresh_facets_of_tag(event.data["id"])
