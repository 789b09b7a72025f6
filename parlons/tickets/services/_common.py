"""Shared pieces of the ticket services: history rows, version bumps, row locks and visible lookups."""

from __future__ import annotations

from django.utils import timezone

from parlons.core.actors import actor_user
from parlons.core.errors import NotFound
from parlons.core.event_types import TicketUpdated
from parlons.core.events import publish
from parlons.tickets.models import Ticket, TicketEvent
from parlons.tickets.selectors import tickets_visible_to


def via_of(via: str | None) -> str:
    return (via or "web")[:40]


def history_row(ticket: Ticket, kind: str, /, *, actor, via: str, at=None, **data) -> TicketEvent:
    """One history row (OPS-19), not saved yet (``record`` saves one; a batch saves many at once). Data is
    typed (ids, codes, snapshots), never translated text. ``kind`` must be declared in
    ``parlons.tickets.history`` with its sentence (else ``ValueError``)."""
    from parlons.tickets.history import check_kind

    return TicketEvent(
        ticket=ticket,
        kind=check_kind(kind),
        actor=actor_user(actor),
        via=via_of(via),
        data=data,
        created_at=at or timezone.now(),
    )


def record(ticket: Ticket, kind: str, /, *, actor, via: str, at=None, **data) -> TicketEvent:
    """Write one history row (OPS-19) of a declared ``kind`` (see ``history_row``)."""
    row = history_row(ticket, kind, actor=actor, via=via, at=at, **data)
    row.save(force_insert=True)
    return row


def touch(ticket: Ticket, *, at=None, fields: list[str] | None = None) -> None:
    """Save changed fields, bump the version and updated_at (call while holding the row lock)."""
    ticket.updated_at = at or timezone.now()
    ticket.version = (ticket.version or 0) + 1
    ticket.save(update_fields=sorted({*(fields or []), "updated_at", "version"}))


def publish_ticket_updated(
    ticket: Ticket, *, actor, via: str, changes: list[str], version: int | None = None
) -> None:
    """``ticket.updated`` for the ticket at ``version`` (default: the version it has now)."""
    publish(
        TicketUpdated(
            actor_id=getattr(actor, "pk", None),
            via=via_of(via),
            id=ticket.pk,
            version=ticket.version if version is None else version,
            changes=changes,
            assignee_id=ticket.assignee_id,
            team_id=ticket.team_id,
        )
    )


def lock_ticket(actor, ticket_or_id) -> Ticket:
    """Re-read the ticket under a row lock, if the actor may see it (``tickets_visible_to``; else NotFound, as
    if it did not exist).

    The lock is ``FOR NO KEY UPDATE`` (every ticket lock is): it excludes other writers of the ticket but not the
    foreign-key checks of rows that merely point to it (metrics, history, due times written by other workers'
    listeners), which plain ``FOR UPDATE`` blocked, and with which it deadlocked (issue 5)."""
    pk = ticket_or_id.pk if isinstance(ticket_or_id, Ticket) else ticket_or_id
    try:
        return tickets_visible_to(actor).select_for_update(no_key=True).get(pk=pk)
    except (Ticket.DoesNotExist, ValueError, TypeError):
        raise NotFound()


def user_ref(user) -> dict | None:
    """A snapshot of a user for history data, readable even if the account is later deleted."""
    if user is None:
        return None
    return {"id": user.pk, "name": user.display_name}


def team_ref(team) -> dict | None:
    return None if team is None else {"id": team.pk, "name": team.name}


def tag_ref(tag) -> dict:
    return {"id": tag.pk, "slug": tag.slug, "en": tag.name_en, "fr": tag.name_fr}
