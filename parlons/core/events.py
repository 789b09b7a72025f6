"""The explicit domain event bus.

Services publish a typed event of the catalogue (``parlons/core/event_types.py``) inside their transaction;
subscribers run after the commit (never for a rolled-back change). Subscribers register in their app's
``listeners.py`` with ``@subscribe(TicketUpdated, ...)`` (one event at a time) or ``@subscribe_batch(...)`` (the
events of one batch of work in one call, see ``batched_dispatch``: one pass over a batch's tickets costs a few
queries instead of a few per event). Every event says who caused it (``actor_id``, ``via``) so that automation
can ignore the events it caused itself.

Two kinds of subscribers (ADR 0006):

- **inline** (the default): run once, right after the commit; a failure is logged and costs nothing else. For
  what may be lost without harm: pushes to open browsers.
- **durable** (``durable=True``): for derived data that must not drift (service-standard due times, report
  figures, the search index, automation, notifications, outgoing webhooks). The events they follow are written
  to the outbox (``EventOutbox``) *in the same transaction* as the change that caused them: one row for all the
  events of a unit of work (``parlons.core.db.atomic``). Right after the commit they run inline as usual and
  the row is deleted; if one of them fails, or the process dies first, the row stays and a worker runs the
  subscribers that did not finish again (``redeliver_due``, the periodic job ``events.redeliver``), with backoff,
  until they succeed; ``/healthz`` shows rows that keep failing. They must therefore be idempotent (they
  recompute from the committed state) and may see an event again after a crash.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from parlons.core.event_types import CATALOGUE, Event, EventError, declared

logger = logging.getLogger(__name__)

# How long a just-committed unit of work's outbox row is left to the process that committed it before a worker
# may run it (the inline run normally ends in milliseconds and deletes the row).
LEASE = timedelta(seconds=120)
# Delays before the second, third… run of a durable subscriber that failed (then every hour).
BACKOFF = [timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15)]
MAX_BACKOFF = timedelta(hours=1)
# From this many failed runs on, /healthz reports the outbox in error.
FAILING_AFTER = 5

_subscribers: dict[str, list[Callable[[DomainEvent], None]]] = defaultdict(list)
_batch_subscribers: list[tuple[frozenset[str], Callable[[list[DomainEvent]], None]]] = []
_durable: dict[str, Callable] = {}  # name -> subscriber, for the ones that must not drift
_durable_types: dict[str, set[str]] = defaultdict(set)  # event type -> names of durable subscribers


@dataclass(frozen=True)
class DomainEvent:
    """An event as subscribers receive it: its type, who caused it, and its payload (the declared fields)."""

    type: str
    actor_id: int | None = None
    via: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    # The outbox row that holds this event for its durable subscribers, and how many events the row holds.
    outbox: tuple[int, int] | None = field(default=None, compare=False, repr=False)

    @property
    def ticket_id(self) -> int | None:
        """The ticket the event is about: the ``id`` of a ``ticket.*`` event, the ``ticket_id`` of the others
        (a message, a note); None when it names none."""
        value = self.data.get("id") if self.type.startswith("ticket.") else self.data.get("ticket_id")
        return int(value) if value else None

    def as_json(self) -> dict:
        return {"type": self.type, "actor_id": self.actor_id, "via": self.via, "data": self.data}

    @classmethod
    def from_json(cls, value: dict) -> DomainEvent:
        return cls(
            type=value["type"], actor_id=value.get("actor_id"), via=value.get("via", ""), data=value["data"]
        )


def _type_names(types) -> list[str]:
    names = []
    for t in types:
        if isinstance(t, type) and issubclass(t, Event):
            names.append(declared(t.type).type)
        elif t == "*":
            names.append(t)
        else:
            names.append(declared(t).type)  # a name that is not in the catalogue fails here, at start-up
    return names


def subscriber_name(fn) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def _register_durable(fn, names: list[str]) -> None:
    if "*" in names:
        raise EventError("a durable subscriber names the events it follows")
    _durable[subscriber_name(fn)] = fn
    for name in names:
        _durable_types[name].add(subscriber_name(fn))


def subscribe(*types, durable: bool = False):
    """Register ``fn(event)`` for each event of ``types`` (event classes of the catalogue, or ``"*"``)."""
    names = _type_names(types)

    def register(fn: Callable[[DomainEvent], None]):
        for event_type in names:
            if fn not in _subscribers[event_type]:
                _subscribers[event_type].append(fn)
        if durable:
            _register_durable(fn, names)
        return fn

    return register


def subscribe_batch(*types, durable: bool = False):
    """Register ``fn(events)`` for the events of ``types``. Events dispatched together (a batch of work in one
    transaction, see ``batched_dispatch``) reach it in one call, in order, after every per-event subscriber has
    seen them; an event dispatched on its own reaches it as a list of one. For subscribers that recompute
    something per ticket: one pass over a batch's tickets costs a few queries instead of a few per event."""
    names = _type_names(types)

    def register(fn: Callable[[list[DomainEvent]], None]):
        if all(f is not fn for _types, f in _batch_subscribers):
            _batch_subscribers.append((frozenset(names), fn))
        if durable:
            _register_durable(fn, names)
        return fn

    return register


def subscribers_of(event_type: str) -> list[tuple[str, bool, bool]]:
    """(subscriber name, durable, batch) of every subscriber of ``event_type``: the catalogue's documentation."""
    out = [
        (subscriber_name(fn), subscriber_name(fn) in _durable, False)
        for fn in _subscribers.get(event_type, [])
    ]
    out += [
        (subscriber_name(fn), subscriber_name(fn) in _durable, True)
        for t, fn in _batch_subscribers
        if event_type in t
    ]
    return out


# --- publishing ---------------------------------------------------------------------------------------------
class _Dispatch:
    """The on-commit callback of one published event (``dispatch`` is looked up when it runs)."""

    __slots__ = ("event", "ran")

    def __init__(self, event: DomainEvent):
        self.event = event
        self.ran = False

    def __call__(self):
        self.ran = True
        dispatch(self.event)


def in_unit() -> bool:
    """Whether this thread is inside a unit of work (``parlons.core.db.atomic``), which writes the outbox."""
    from parlons.core.db import _units

    return getattr(_units, "depth", 0) > 0


def publish(event: Event) -> None:
    """Publish ``event`` (an instance of the catalogue): dispatched to the subscribers after the commit of the
    current transaction, and held in the outbox for the durable ones until they have run."""
    if not isinstance(event, Event) or type(event) is not CATALOGUE.get(event.type):
        raise EventError(f"publish() takes an event of the catalogue, not {event!r}")
    domain = DomainEvent(type=event.type, actor_id=event.actor_id, via=event.via[:40], data=event.data)
    callback = _Dispatch(domain)
    connection = connections[DEFAULT_DB_ALIAS]
    if not connection.in_atomic_block:
        callback.event = _write_outbox([domain])[0]  # autocommit: the row is written, then dispatched at once
        callback()
        return
    if not in_unit():
        # Outside a unit of work (``core.db.atomic``) nothing will write the outbox before the commit: this
        # event gets a row of its own now, in the transaction.
        callback.event = _write_outbox([domain])[0]
    transaction.on_commit(callback, robust=True)


def flush_outbox(using: str = DEFAULT_DB_ALIAS) -> None:
    """Write one outbox row for the events published in the current transaction that durable subscribers follow
    and that no row holds yet (the end of a unit of work, before its commit). Events of a savepoint that was
    rolled back are no longer among the transaction's on-commit callbacks, so they are not written."""
    pending = [
        callback
        for _sids, callback, _robust in connections[using].run_on_commit
        if isinstance(callback, _Dispatch) and callback.event.outbox is None and not callback.ran
    ]
    if not pending:
        return
    written = _write_outbox([callback.event for callback in pending])
    for callback, event in zip(pending, written, strict=True):
        callback.event = event


def _write_outbox(events: list[DomainEvent]) -> list[DomainEvent]:
    """The events, those that durable subscribers follow written to one outbox row (and marked with it)."""
    names = sorted({name for event in events for name in _durable_types.get(event.type, ())})
    held = [event for event in events if event.type in _durable_types]
    if not names:
        return events
    from django.utils import timezone

    from parlons.core.models import EventOutbox

    row = EventOutbox.objects.create(
        events=[event.as_json() for event in held],
        pending=names,
        run_after=timezone.now() + LEASE,
    )
    mark = (row.pk, len(held))
    return [replace(event, outbox=mark) if event.type in _durable_types else event for event in events]


# --- dispatching --------------------------------------------------------------------------------------------
_held = threading.local()


def dispatch(event: DomainEvent) -> None:
    held = getattr(_held, "events", None)
    if held is not None:
        held.append(event)
        return
    _dispatch_all([event])


def _dispatch_all(events: list[DomainEvent]) -> None:
    failed: dict[int, dict[str, str]] = defaultdict(dict)  # outbox row -> durable subscriber -> error

    def note(fn, error: str | None, among: list[DomainEvent]) -> None:
        name = subscriber_name(fn)
        if error is not None and name in _durable:
            for event in among:
                if event.outbox is not None:
                    failed[event.outbox[0]][name] = error

    for event in events:
        for fn in [*_subscribers.get(event.type, []), *_subscribers.get("*", [])]:
            note(fn, _call(fn, event), [event])
    for types, fn in list(_batch_subscribers):
        mine = [event for event in events if event.type in types]
        if mine:
            note(fn, _call(fn, mine), mine)
    for event in events:
        if event.outbox is not None:
            _progress(event.outbox, failed.get(event.outbox[0], {}))


def _call(fn, arg: DomainEvent | list[DomainEvent]) -> str | None:
    """Run one subscriber; the error (its class and message) when it failed, None when it did not."""
    try:
        fn(arg)
    except Exception as exc:
        kind = arg.type if isinstance(arg, DomainEvent) else ", ".join(sorted({e.type for e in arg}))
        logger.exception("event subscriber %s failed on %s", getattr(fn, "__name__", fn), kind)
        return f"{exc.__class__.__name__}: {exc}"[:500]
    return None


_progress_lock = threading.Lock()
_progress_of: dict[int, tuple[int, dict[str, str]]] = {}


def _progress(outbox: tuple[int, int], failed: dict[str, str]) -> None:
    """One more event of outbox row ``outbox`` has been dispatched; once all of them have, the row is deleted
    (every durable subscriber ran) or kept for the ones that failed."""
    pk, total = outbox
    with _progress_lock:
        done, errors = _progress_of.pop(pk, (0, {}))
        done, errors = done + 1, {**errors, **failed}
        if done < total:
            _progress_of[pk] = (done, errors)
            return
    _settle(pk, errors)


def _settle(pk: int, errors: dict[str, str], *, attempts: int | None = None, now=None) -> None:
    from django.db.models import F
    from django.utils import timezone

    from parlons.core.models import EventOutbox

    try:
        if not errors:
            EventOutbox.objects.filter(pk=pk).delete()
            return
        tries = attempts if attempts is not None else 1
        EventOutbox.objects.filter(pk=pk).update(
            pending=sorted(errors),
            attempts=F("attempts") + 1 if attempts is None else tries,
            run_after=(now or timezone.now()) + backoff(tries),
            last_error="\n".join(f"{name}: {error}" for name, error in sorted(errors.items()))[:4000],
        )
    except Exception:  # the row stays as it was: a worker runs it again when its lease ends
        logger.exception("could not settle event outbox row %s", pk)


def backoff(attempts: int) -> timedelta:
    return BACKOFF[attempts - 1] if 0 < attempts <= len(BACKOFF) else MAX_BACKOFF


def redeliver_due(now=None, *, limit: int = 50) -> int:
    """Run again the durable subscribers of outbox rows whose time has come (a failed run, or a process that
    died before it ran them), each row claimed by one worker with a conditional ``UPDATE`` (its lease renewed).
    Returns how many rows were handled."""
    from django.utils import timezone

    from parlons.core.models import EventOutbox

    now = now or timezone.now()
    handled = 0
    for pk in (
        EventOutbox.objects.filter(run_after__lte=now)
        .order_by("run_after", "pk")
        .values_list("pk", flat=True)[:limit]
    ):
        if not EventOutbox.objects.filter(pk=pk, run_after__lte=now).update(run_after=now + LEASE):
            continue  # another worker claimed it
        row = EventOutbox.objects.filter(pk=pk).first()
        if row is None:
            continue
        events = [DomainEvent.from_json(value) for value in row.events]
        errors: dict[str, str] = {}
        for name in row.pending:
            fn = _durable.get(name)
            if fn is None:
                logger.error("event outbox row %s names an unknown subscriber %s: dropped", pk, name)
                continue
            error = _run_durable(fn, events)
            if error is not None:
                errors[name] = error
        _settle(pk, errors, attempts=row.attempts + 1, now=now)
        handled += 1
    return handled


def _run_durable(fn, events: list[DomainEvent]) -> str | None:
    if any(f is fn for _types, f in _batch_subscribers):
        types = next(t for t, f in _batch_subscribers if f is fn)
        mine = [event for event in events if event.type in types]
        return _call(fn, mine) if mine else None
    for event in events:
        if fn in _subscribers.get(event.type, []):
            error = _call(fn, event)
            if error is not None:
                return error
    return None


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
        elif event.outbox is not None:
            _progress(event.outbox, {})  # merged into a later event: it counts as dispatched
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


def catalogue_markdown() -> str:
    """The event catalogue as the table of ``docs/architecture.md``: each event, its payload, and who subscribes
    (durable: through the outbox, retried; inline: after the commit, once). ``parlons events`` prints it."""
    lines = [
        "| event | payload (besides `actor_id`, `via`) | subscribers |",
        "|---|---|---|",
    ]
    for event_type, cls in sorted(CATALOGUE.items()):
        payload = ", ".join(f"`{name}`: {kind}" for name, kind in cls.payload_fields()) or "—"
        subs = sorted(
            f"`{name.removeprefix('parlons.')}` ({'durable' if durable else 'inline'}{', batch' if batch else ''})"
            for name, durable, batch in subscribers_of(event_type)
            if not name.startswith("parlons.core.events.capture_events")
        )
        lines.append(f"| `{event_type}` | {payload} | {'<br>'.join(subs) or '—'} |")
    return "\n".join(lines) + "\n"
