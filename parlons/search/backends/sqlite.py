"""SQLite back-end: the FTS5 table ``search_ticket_fts(document, stems)``, rowid = ticket id.

``document`` holds the ticket's text (tokenizer ``unicode61 remove_diacritics 2``: case and accents do not
matter; apostrophes and hyphens split words, so ``l'immigration`` indexes ``l`` and ``immigration``) with
prefix indexes for partial words (``perm*``). ``stems`` holds the same words through the light EN/FR stemmer
of ``parlons.search.text`` so that ``permit`` finds ``permits`` and ``etude`` finds ``études``. A free word
matches ``stems``; a phrase matches ``document`` word for word; ``word*`` matches ``document`` by prefix.
"""

# ruff: noqa: S608 - the SQL is assembled from constants only; what the user typed is always a parameter.

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

from parlons.search.backends.base import MARK_END, MARK_START, SearchBackend, document_sql, highlight
from parlons.search.query import Term
from parlons.search.text import WORD, fold, stem, stems_of

TABLE = "search_ticket_fts"
# French elided articles and pronouns: "l'immigration" is searched as "immigration".
ELISIONS = {"l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu"}


def _words(term: Term) -> list[str]:
    words = WORD.findall(term.text)
    if not term.phrase:
        while len(words) > 1 and fold(words[0]) in ELISIONS:
            words = words[1:]
    return [fold(w) for w in words]


def _expr(term: Term) -> str:
    words = _words(term)
    if term.phrase:
        return f'document : "{" ".join(words)}"'
    if term.prefix:
        return f'document : "{" ".join(words)}" *'
    return f'stems : "{" ".join(stem(w) for w in words)}"'


def _snippet_expr(term: Term) -> str:
    words = _words(term)
    if term.phrase:
        return f'"{" ".join(words)}"'
    return f'"{" ".join(stem(w) for w in words)}" *'


def match_expression(terms: list[Term], *, any_of: bool = False) -> str:
    return (" OR " if any_of else " AND ").join(f"({_expr(t)})" for t in terms)


class SqliteBackend(SearchBackend):
    vendor = "sqlite"

    def match_sql(self, terms, *, any_of=False):
        return f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s", [match_expression(terms, any_of=any_of)]

    def ranked_ids(self, terms):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s ORDER BY rank", [match_expression(terms)]
            )
            return [row[0] for row in cursor.fetchall()]

    def snippets(self, ticket_ids, terms):
        ids = [int(i) for i in ticket_ids]
        if not ids:
            return {}
        out: dict[int, str] = {}
        placeholders = ",".join("%s" for _ in ids)
        with connection.cursor() as cursor:
            if terms:
                expr = "document : (" + " OR ".join(_snippet_expr(t) for t in terms) + ")"
                cursor.execute(
                    f"SELECT rowid, snippet({TABLE}, 0, %s, %s, '…', 24) FROM {TABLE} "
                    f"WHERE {TABLE} MATCH %s AND rowid IN ({placeholders})",
                    [MARK_START, MARK_END, expr, *ids],
                )
                out.update({row[0]: highlight(row[1]) for row in cursor.fetchall()})
            missing = [i for i in ids if i not in out]
            if missing:
                cursor.execute(
                    f"SELECT rowid, substr(document, 1, 200) FROM {TABLE} "
                    f"WHERE rowid IN ({','.join('%s' for _ in missing)})",
                    missing,
                )
                out.update({row[0]: highlight(row[1]) for row in cursor.fetchall()})
        return out

    def _write(self, cursor, rows) -> int:
        cursor.executemany(
            f"INSERT INTO {TABLE}(rowid, document, stems) VALUES (%s, %s, %s)",
            [(pk, doc, stems_of(doc)) for pk, doc in rows],
        )
        return len(rows)

    def reindex(self, ticket_ids: Iterable[int]) -> int:
        ids = sorted({int(i) for i in ticket_ids})
        if not ids:
            return 0
        placeholders = ",".join("%s" for _ in ids)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE} WHERE rowid IN ({placeholders})", ids)
            cursor.execute(document_sql("sqlite", f"t.id IN ({placeholders})"), ids)
            return self._write(cursor, cursor.fetchall())

    def rebuild(self, *, batch_size=20000, progress=None):
        with connection.cursor() as cursor:
            cursor.execute("SELECT min(id), max(id) FROM tickets_ticket")
            low, high = cursor.fetchone()
            cursor.execute(f"DELETE FROM {TABLE}")
        done = 0
        if low is None:
            return 0
        for start in range(low, high + 1, batch_size):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    document_sql("sqlite", "t.id >= %s AND t.id < %s"), [start, start + batch_size]
                )
                done += self._write(cursor, cursor.fetchall())
            if progress:
                progress(done)
        return done
