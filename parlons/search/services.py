"""Writes to the search index. The index is derived data: it is rebuilt from the tickets, never edited."""

from __future__ import annotations

from collections.abc import Iterable

from parlons.search.backends import get_backend


def reindex_tickets(ticket_ids: Iterable[int]) -> int:
    """Rebuild the search documents of these tickets (called after their messages, notes or subject changed).
    Internal: no permission check (it writes no user-visible data), publishes nothing."""
    return get_backend().reindex(ticket_ids)


def rebuild_index(*, batch_size: int = 20000, progress=None) -> int:
    """Rebuild the whole index (``parlons reindex``, and after ``parlons demo``). Returns the tickets indexed."""
    return get_backend().rebuild(batch_size=batch_size, progress=progress)
