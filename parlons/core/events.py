"""The explicit domain event bus.

Services call ``publish`` inside their transaction; subscribers run after the commit (never for a rolled-back
change). Subscribers register in their app's ``listeners.py`` with ``@subscribe("ticket.updated", ...)`` or
``@subscribe("*")``. Every event says who caused it (``actor_id``, ``via``) so that automation can ignore the
events it caused itself. A failing subscriber is logged and does not affect the others.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

_subscribers: dict[str, list[Callable[[DomainEvent], None]]] = defaultdict(list)


@dataclass(frozen=True)
class DomainEvent:
    type: str
    actor_id: int | None = None
    via: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def subscribe(*types: str):
    def register(fn: Callable[[DomainEvent], None]):
        for event_type in types:
            if fn not in _subscribers[event_type]:
                _subscribers[event_type].append(fn)
        return fn

    return register


def publish(event_type: str, *, actor_id: int | None = None, via: str = "", **data: Any) -> None:
    event = DomainEvent(type=event_type, actor_id=actor_id, via=via, data=data)
    transaction.on_commit(lambda: dispatch(event), robust=True)


def dispatch(event: DomainEvent) -> None:
    for fn in [*_subscribers.get(event.type, []), *_subscribers.get("*", [])]:
        try:
            fn(event)
        except Exception:
            logger.exception("event subscriber %s failed on %s", getattr(fn, "__name__", fn), event.type)


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
