"""Database helpers shared by the apps: recognising a transient failure (a deadlock, a serialization failure, a
lock not granted in time, SQLite's busy timeout) and running an idempotent piece of work again after one."""

from __future__ import annotations

import random
import time

from django.db import DatabaseError, connection

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
