"""Helpers for tests about two database sessions at once (PostgreSQL row and advisory locks)."""

from __future__ import annotations

import threading
from contextlib import contextmanager

from django.db import connections, transaction


@contextmanager
def held_elsewhere(take, timeout: float = 10):
    """Run ``take()`` in a transaction of another thread (its own connection) and keep that transaction open,
    with whatever locks ``take`` acquired, until the block ends."""
    taken, release, failure = threading.Event(), threading.Event(), []

    def hold():
        try:
            with transaction.atomic():
                take()
                taken.set()
                release.wait(timeout)
        except Exception as exc:  # reported to the test below, not lost in the thread
            failure.append(exc)
            taken.set()
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert taken.wait(timeout) and not failure, failure
    try:
        yield
    finally:
        release.set()
        holder.join(timeout)
