"""Database helpers shared by the apps: recognising a transient failure (a deadlock, a serialization failure, a
lock not granted in time, SQLite's busy timeout) and running an idempotent piece of work again after one."""

from __future__ import annotations

import random
import threading
import time
from contextlib import ContextDecorator

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, transaction

_units = threading.local()  # how deep this thread is in units of work (``atomic``)
TRANSIENT_SQLSTATES = ("40P01", "40001", "55P03")  # deadlock, serialization failure, lock not available


def is_transient(exc: BaseException) -> bool:
    """True when ``exc`` is not the data's fault: the same work may succeed if run again."""
    if not isinstance(exc, DatabaseError):
        return False
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None) or getattr(getattr(cause, "diag", None), "sqlstate", None)
    if sqlstate in TRANSIENT_SQLSTATES:
        return True
    return "database is locked" in str(exc)  # SQLite, after its busy timeout


def retry_transient(work, *args, attempts: int = 3, own_savepoint: bool = False, **kwargs):
    """``work(*args, **kwargs)``, run again (up to ``attempts`` times, after a short random pause) when it fails
    transiently. For idempotent work that commits all or nothing, such as recomputing derived data or an ingest
    batch. Inside a caller's transaction nothing is retried (the failure has broken that transaction), unless
    the work runs in a savepoint of its own (``own_savepoint``): rolled back to it, the caller's transaction
    goes on."""
    for attempt in range(attempts):
        try:
            return work(*args, **kwargs)
        except DatabaseError as exc:
            inside = connection.in_atomic_block and not own_savepoint
            if attempt + 1 == attempts or inside or not is_transient(exc):
                raise
            time.sleep(0.02 * (attempt + 1) * (0.5 + random.random()))
    return None


class _Atomic(ContextDecorator):
    """``transaction.atomic`` for a unit of work: before the outermost unit's transaction commits, the events it
    published are written to the outbox in one row (``parlons.core.events.flush_outbox``)."""

    def __init__(self, using, savepoint, durable):
        self.using, self.savepoint, self.durable = using, savepoint, durable
        self._inner = None

    def _recreate_cm(self):  # a fresh instance per call: a decorated function may run in many threads at once
        return _Atomic(self.using, self.savepoint, self.durable)

    def __enter__(self):
        self._inner = transaction.atomic(using=self.using, savepoint=self.savepoint, durable=self.durable)
        self._inner.__enter__()
        _units.depth = getattr(_units, "depth", 0) + 1
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        _units.depth -= 1
        if exc_type is None and _units.depth == 0:
            try:
                from parlons.core.events import flush_outbox

                flush_outbox(self.using or DEFAULT_DB_ALIAS)
            except BaseException as exc:
                self._inner.__exit__(type(exc), exc, exc.__traceback__)
                raise
        return self._inner.__exit__(exc_type, exc_value, traceback)


def atomic(using=None, savepoint: bool = True, durable: bool = False):
    """The transaction of a service (a unit of work): ``transaction.atomic`` (same arguments, usable bare as a
    decorator, as a decorator with arguments, or as a context manager) whose events' outbox row is written before
    it commits, so that one change costs one outbox row however many events it publishes (ADR 0006)."""
    if callable(using):
        return _Atomic(DEFAULT_DB_ALIAS, savepoint, durable)(using)
    return _Atomic(using, savepoint, durable)
