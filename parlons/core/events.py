"""The explicit domain event bus.

Services call ``publish`` inside their transaction; subscribers run after the commit (never for a rolled-back
change). Subscribers register in their app's ``listeners.py`` with ``@subscribe("ticket.updated", ...)`` or
``@subscribe("*")``; a subscriber whose work is cheaper for many tickets at once (recomputing derived figures)
registers with ``@subscribe_batch(...)`` and receives a list of events: one batch of work (``batched_dispatch``)
calls it once with all of them. Every event says who caused it (``actor_id``, ``via``) so that automation can ignore the
events it caused itself. A failing subscriber is logged and does not affect the others.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

_subscribers: dict[str, list[Callable[[DomainEvent], None]]] = defaultdict(list)
_batch_subscribers: list[tuple[frozenset[str], Callable[[list[DomainEvent]], None]]] = []


@dataclass(frozen=True)
class DomainEvent:
    type: str
    actor_id: int | None = None
    via: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def ticket_id(self) -> int | None:
        """The ticket the event is about: the ``id`` of a ``ticket.*`` event, the ``ticket_id`` of the others
        (a message, a note); None when it names none."""
        value = self.data.get("id") if self.type.startswith("ticket.") else self.data.get("ticket_id")
        return int(value) if value else None


def subscribe(*types: str):
    def register(fn: Callable[[DomainEvent], None]):
        for event_type in types:
            if fn not in _subscribers[event_type]:
                _subscribers[event_type].append(fn)
        return fn

    return register


def subscribe_batch(*types: str):
    """Register ``fn(events)`` for the events of ``types``. Events dispatched together (a batch of work in one
    transaction, see ``batched_dispatch``) reach it in one call, in order, after every per-event subscriber has
    seen them; an event dispatched on its own reaches it as a list of one. For subscribers that recompute
    something per ticket: one pass over a batch's tickets costs a few queries instead of a few per event."""

    def register(fn: Callable[[list[DomainEvent]], None]):
        if all(f is not fn for _types, f in _batch_subscribers):
            _batch_subscribers.append((frozenset(types), fn))
        return fn

    return register


def publish(event_type: str, *, actor_id: int | None = None, via: str = "", **data: Any) -> None:
    event = DomainEvent(type=event_type, actor_id=actor_id, via=via, data=data)
    transaction.on_commit(lambda: dispatch(event), robust=True)


_held = threading.local()


def dispatch(event: DomainEvent) -> None:
    held = getattr(_held, "events", None)
    if held is not None:
        held.append(event)
        return
    _dispatch_all([event])


def _dispatch_all(events: list[DomainEvent]) -> None:
    for event in events:
        for fn in [*_subscribers.get(event.type, []), *_subscribers.get("*", [])]:
            _call(fn, event)
    for types, fn in list(_batch_subscribers):
        mine = [event for event in events if event.type in types]
        if mine:
            _call(fn, mine)


def _call(fn, arg: DomainEvent | list[DomainEvent]) -> None:
    try:
        fn(arg)
    except Exception:
        kind = arg.type if isinstance(arg, DomainEvent) else ", ".join(sorted({e.type for e in arg}))
        logger.exception("event subscriber %s failed on %s", getattr(fn, "__name__", fn), kind)


def _coalesce(events: list[DomainEvent]) -> list[DomainEvent]:
    """Each ticket's ``ticket.updated`` events become one, at the place of the last (its version), naming every
    change; every other event is kept as it was, in order."""

    def key(event: DomainEvent):
        if event.type == "ticket.updated" and event.data.get("id") is not None:
            return (event.data["id"], event.actor_id, event.via)
        return None

    last: dict[tuple, int] = {}
    changes: dict[tuple, list] = {}
    for i, event in enumerate(events):
        k = key(event)
        if k is not None:
            last[k] = i
            if isinstance(event.data.get("changes"), list):
                changes.setdefault(k, []).extend(event.data["changes"])
    out = []
    for i, event in enumerate(events):
        k = key(event)
        if k is None:
            out.append(event)
        elif last[k] == i:
            if k in changes:
                event = replace(event, data={**event.data, "changes": list(dict.fromkeys(changes[k]))})
            out.append(event)
    return out


@contextmanager
def batched_dispatch():
    """Hold the events committed inside the block (a batch of work in one transaction) and dispatch them when
    it ends, with the ``ticket.updated`` events of each ticket merged into one (listeners re-read the ticket, so
    one "it changed" per ticket is enough). Events whose transaction did not commit are never dispatched."""
    if getattr(_held, "events", None) is not None:  # already inside a batch: the outer one dispatches
        yield
        return
    _held.events = []
    try:
        yield
    finally:
        events, _held.events = _held.events, None
        if events:
            _dispatch_all(_coalesce(events))


class capture_events:
    """Test helper: record the events dispatched inside the ``with`` block."""

    def __enter__(self):
        self.events: list[DomainEvent] = []
        _subscribers["*"].append(self._record)
        return self.events

    def _record(self, event: DomainEvent) -> None:
        self.events.append(event)

    def __exit__(self, *exc):
        _subscribers["*"].remove(self._record)
        return False
