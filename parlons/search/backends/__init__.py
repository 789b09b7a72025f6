"""Search back-ends behind one interface (``SearchBackend``): PostgreSQL ``tsvector`` and SQLite FTS5.

``get_backend()`` answers the one that matches the default database.
"""

from __future__ import annotations

from django.db import connection

from parlons.search.backends.base import SearchBackend


def get_backend() -> SearchBackend:
    if connection.vendor == "postgresql":
        from parlons.search.backends.postgres import PostgresBackend

        return PostgresBackend()
    from parlons.search.backends.sqlite import SqliteBackend

    return SqliteBackend()


__all__ = ["SearchBackend", "get_backend"]
