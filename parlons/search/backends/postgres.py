"""PostgreSQL back-end: ``search_ticketsearchdocument.vector``, a generated ``tsvector`` of the document in
the ``parlons_fr`` and ``parlons_en`` configurations (Snowball stemmers after ``unaccent``), GIN-indexed.

A free word matches if either language's stem matches (``permits`` -> ``permit``, ``études`` -> ``etud``);
a phrase uses ``phraseto_tsquery`` in both languages; ``word*`` is a prefix query on the index's lexemes (or
the word itself). French elisions need nothing special: the parser splits ``l'immigration`` at the apostrophe
and ``l`` is a French stop word.
"""

# ruff: noqa: S608 - the SQL is assembled from constants only; what the user typed is always a parameter.

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

from parlons.search.backends.base import (
    MARK_END,
    MARK_START,
    SearchBackend,
    document_sql,
    highlight,
    like_pattern,
)
from parlons.search.query import Term
from parlons.search.text import WORD, fold

TABLE = "search_ticketsearchdocument"
ANALYZED = (
    "tickets_ticket",
    "tickets_tickettag",
    "tickets_contact",
    "tickets_contactidentity",
    "tickets_message",
)
# Snippets are cut from the start of the document (subject, contact, first messages) up to this many
# characters: ts_headline's cost grows with the text, and a whole long conversation costs ~1 ms a ticket.
HEADLINE_CHARS = 3000
HEADLINE = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12, MaxFragments=2"


def _tsquery(term: Term) -> tuple[str, list]:
    if term.phrase:
        return (
            "(phraseto_tsquery('parlons_fr', %s) || phraseto_tsquery('parlons_en', %s))",
            [term.text, term.text],
        )
    plain = "plainto_tsquery('parlons_fr', %s) || plainto_tsquery('parlons_en', %s)"
    if term.prefix:
        words = [fold(w) for w in WORD.findall(term.text)]
        prefix = " & ".join(f"'{w}'" for w in words[:-1])
        prefix = (prefix + " & " if prefix else "") + f"'{words[-1]}':*"
        return f"(to_tsquery('simple', %s) || {plain})", [prefix, term.text, term.text]
    return f"({plain})", [term.text, term.text]


def combined(terms: list[Term], *, any_of: bool = False) -> tuple[str, list]:
    parts, params = [], []
    for term in terms:
        sql, p = _tsquery(term)
        parts.append(sql)
        params.extend(p)
    return "(" + (" || " if any_of else " && ").join(parts) + ")", params


class PostgresBackend(SearchBackend):
    vendor = "postgresql"

    def match_sql(self, terms, *, any_of=False):
        q, params = combined(terms, any_of=any_of)
        return f"SELECT ticket_id FROM {TABLE} WHERE vector @@ {q}", params

    def rank(self, ticket_ids, terms):
        """``ts_rank_cd`` over the candidates' vectors only (read by primary key), never over every match."""
        ids = [int(i) for i in ticket_ids]
        if not ids or not terms:
            return sorted(ids, reverse=True)
        q, params = combined(terms)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT ticket_id, ts_rank_cd(vector, {q}) FROM {TABLE} WHERE ticket_id = ANY(%s)",
                [*params, ids],
            )
            scores = dict(cursor.fetchall())
        return sorted(ids, key=lambda pk: (-scores.get(pk, -1.0), -pk))

    def contact_names_sql(self, value):
        """``upper(col) LIKE upper('%value%')`` on each column, each served by its ``pg_trgm`` GIN index
        (migrations/0003)."""
        pattern = like_pattern(value)
        return (
            "SELECT id FROM tickets_contact WHERE upper(name) LIKE upper(%s) "
            "UNION SELECT contact_id FROM tickets_contactidentity "
            "WHERE upper(display_name) LIKE upper(%s) OR upper(handle) LIKE upper(%s)",
            [pattern, pattern, pattern],
        )

    def snippets(self, ticket_ids, terms):
        ids = [int(i) for i in ticket_ids]
        if not ids:
            return {}
        with connection.cursor() as cursor:
            if terms:
                q, params = combined(terms, any_of=True)
                cursor.execute(
                    f"SELECT ticket_id, ts_headline('parlons_fr', left(document, {HEADLINE_CHARS}), {q}, %s) "
                    f"FROM {TABLE} "
                    "WHERE ticket_id = ANY(%s)",
                    [*params, HEADLINE, ids],
                )
            else:
                cursor.execute(
                    f"SELECT ticket_id, left(document, 200) FROM {TABLE} WHERE ticket_id = ANY(%s)", [ids]
                )
            return {row[0]: highlight(row[1]) for row in cursor.fetchall()}

    def reindex(self, ticket_ids: Iterable[int]) -> int:
        ids = sorted({int(i) for i in ticket_ids})
        if not ids:
            return 0
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {TABLE} (ticket_id, document) {document_sql('postgresql', 't.id = ANY(%s)')} "
                "ON CONFLICT (ticket_id) DO UPDATE SET document = EXCLUDED.document",
                [ids],
            )
            return cursor.rowcount

    def rebuild(self, *, batch_size=20000, progress=None):
        """Set-based: one INSERT … SELECT per batch of ids. Run on its own (``parlons reindex``), the GIN index
        is dropped during the load and built once at the end (much faster than maintaining it row by row);
        inside a caller's transaction (tests) the table is emptied and refilled with the index in place."""
        standalone = not connection.in_atomic_block
        with connection.cursor() as cursor:
            cursor.execute("SELECT min(id), max(id) FROM tickets_ticket")
            low, high = cursor.fetchone()
            if standalone:
                cursor.execute(f"TRUNCATE {TABLE}")
                cursor.execute("DROP INDEX IF EXISTS search_document_vector")
            else:
                cursor.execute(f"DELETE FROM {TABLE}")
        done = 0
        try:
            if low is not None:
                for start in range(low, high + 1, batch_size):
                    with transaction.atomic(), connection.cursor() as cursor:
                        cursor.execute(
                            f"INSERT INTO {TABLE} (ticket_id, document) "
                            + document_sql("postgresql", "t.id >= %s AND t.id < %s"),
                            [start, start + batch_size],
                        )
                        done += cursor.rowcount
                    if progress:
                        progress(done)
        finally:
            if standalone:
                with connection.cursor() as cursor:
                    cursor.execute("SET maintenance_work_mem = '512MB'")
                    cursor.execute(
                        f"CREATE INDEX IF NOT EXISTS search_document_vector ON {TABLE} USING gin (vector)"
                    )
                    # A bulk load (``parlons demo``, an import) leaves the planner without statistics when
                    # autovacuum is off or behind; the search's plans depend on them.
                    cursor.execute(f"ANALYZE {TABLE}, {', '.join(ANALYZED)}")
        return done
