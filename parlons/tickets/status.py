"""A ticket's status changes, decided in one place whoever causes them.

Three things move a status: somebody sets it (an agent, a rule, the API: ``MANUAL``), a message from the client
arrives in the ticket's conversation (``INBOUND``), an agent replies to the client (``REPLY``). ``transition``
says what one of them does to a ticket: whether it may act at all, the status after, the timestamps that follow
the new status and the history row. It changes nothing itself; ``Transition.apply`` sets the fields on the
ticket in memory (the caller saves them), ``Transition.values`` gives them as columns for a set-based
``UPDATE`` (the ingest of a batch).

The table, by cause (a status not listed stays as it is):

========  ===================================  ==========================================================
cause     moves                                refused
========  ===================================  ==========================================================
MANUAL    any status to the one asked for      an unknown status
INBOUND   pending → open, resolved → open      closed (never reopens: the message opens a new ticket)
REPLY     new → open                           closed (open a new ticket to write to the client)
========  ===================================  ==========================================================

The timestamps follow the status reached, whatever the cause: resolved sets ``resolved_at``; closed sets
``closed_at`` and ``closed_by`` (and ``resolved_at`` if the ticket was not resolved first); new, open and
pending clear all three."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.utils import timezone

from parlons.core.actors import actor_user
from parlons.tickets.models import Ticket

Status = Ticket.Status
HISTORY_KIND = "ticket.status_changed"


class Cause(StrEnum):
    MANUAL = "manual"
    INBOUND = "inbound"
    REPLY = "reply"


# Where a message or a reply takes a ticket by itself; MANUAL goes where it is asked.
_MOVES = {
    Cause.INBOUND: {Status.PENDING: Status.OPEN, Status.RESOLVED: Status.OPEN},
    Cause.REPLY: {Status.NEW: Status.OPEN},
}
_REFUSED = {
    Cause.INBOUND: frozenset({Status.CLOSED}),
    Cause.REPLY: frozenset({Status.CLOSED}),
}
# The statuses whose ticket an inbound message never threads into (it opens a new ticket): what the ingest's
# look-up of a conversation's ticket leaves out.
INBOUND_OPENS_NEW_TICKET = tuple(sorted(_REFUSED[Cause.INBOUND]))


@dataclass(frozen=True)
class Transition:
    """What a cause does to one ticket's status. ``timestamps`` are the fields set with the new status
    (``None`` clears one); empty when the status does not change."""

    cause: Cause
    before: str
    after: str
    allowed: bool = True
    timestamps: dict[str, Any] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return self.allowed and self.after != self.before

    @property
    def opens_new_ticket(self) -> bool:
        """A client's message that may not go into this ticket starts a new one."""
        return self.cause is Cause.INBOUND and not self.allowed

    @property
    def history(self) -> tuple[str, dict[str, str]] | None:
        """The history row's kind and data, or None when the status does not change."""
        return (HISTORY_KIND, {"from": self.before, "to": self.after}) if self.changed else None

    def values(self) -> dict[str, Any]:
        """The columns the change writes (status and timestamps); empty when nothing changes."""
        return {"status": self.after, **self.timestamps} if self.changed else {}

    def apply(self, ticket: Ticket) -> list[str]:
        """Set the new status and its timestamps on ``ticket`` in memory; returns the fields to save."""
        values = self.values()
        for name, value in values.items():
            setattr(ticket, name, value)
        return list(values)


def transition(ticket: Ticket, cause: Cause, to: str | None = None, *, actor=None, now=None) -> Transition:
    """What ``cause`` does to ``ticket``'s status: ``to`` is the status asked for (MANUAL only: a message and a
    reply imply theirs). ``actor`` is who closes (``closed_by``), ``now`` the time stamped (default: now).
    Reads the ticket, changes nothing."""
    if (to is None) == (cause is Cause.MANUAL):
        raise TypeError("A status to reach is given for a manual change, and only for one.")
    before = str(ticket.status)
    if cause is Cause.MANUAL:
        allowed = to in Status.values
        after = str(to) if allowed else before
    else:
        allowed = before not in _REFUSED[cause]
        after = str(_MOVES[cause].get(before, before)) if allowed else before
    if not allowed or after == before:
        return Transition(cause, before, after, allowed)
    return Transition(cause, before, after, True, _timestamps(ticket, after, actor, now or timezone.now()))


def _timestamps(ticket: Ticket, status: str, actor, now) -> dict[str, Any]:
    if status == Status.RESOLVED:
        return {"resolved_at": now}
    if status == Status.CLOSED:
        # Closing keeps the time the ticket was resolved, if it was.
        return {"closed_at": now, "closed_by": actor_user(actor), "resolved_at": ticket.resolved_at or now}
    return {"resolved_at": None, "closed_at": None, "closed_by": None}
