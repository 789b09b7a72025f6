"""SQLite back-end: the FTS5 table ``search_ticket_fts(document, stems)``, rowid = ticket id.

``document`` holds the ticket's text (tokenizer ``unicode61 remove_diacritics 2``: case and accents do not
matter; apostrophes and hyphens split words, so ``l'immigration`` indexes ``l`` and ``immigration``) with
prefix indexes for partial words (``perm*``). ``stems`` holds the same words through the light EN/FR stemmer
of ``parlons.search.text`` so that ``permit`` finds ``permits`` and ``etude`` finds ``études``. A free word
matches ``stems``; a phrase matches ``document`` word for word; ``word*`` matches ``document`` by prefix.
"""

# ruff: noqa: S608 - the SQL is assembled from constants only; what the user typed is always a parameter.

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import connection, transaction

from parlons.search.backends.base import MARK_END, MARK_START, SearchBackend, document_sql, highlight
from parlons.search.query import Term
from parlons.search.text import WORD, fold, stem, stems_of

TABLE = "search_ticket_fts"
# One row per contact (rowid = contact id): name, then each identity's handle and display name; the trigram
# tokenizer makes any part of three characters or more an index lookup (``contact:``, migrations/0003).
CONTACTS = "search_contact_fts"
CONTACT_NAMES = (
    "SELECT c.id, c.name || char(10) || coalesce((SELECT group_concat(ci.handle || ' ' || ci.display_name, "
    "char(10)) FROM tickets_contactidentity ci WHERE ci.contact_id = c.id), '') FROM tickets_contact c"
)
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
    walk_by_date = True

    def match_sql(self, terms, *, any_of=False, facets=()):  # no facets in the FTS5 documents
        return f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s", [match_expression(terms, any_of=any_of)]

    def rank(self, ticket_ids, terms):
        """``bm25`` for the candidates only. Not ``ORDER BY rank``: FTS5 would score every match before the
        candidates are picked out; here the score is computed for the rows that pass ``+rowid IN (…)``. The
        unary plus keeps the list away from FTS5, which would otherwise run the whole MATCH once per id (a
        partial word such as ``immig*`` merges many terms each time: 1,000 ids took seconds)."""
        ids = [int(i) for i in ticket_ids]
        if not ids or not terms:
            return sorted(ids, reverse=True)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid, bm25({TABLE}) FROM {TABLE} WHERE {TABLE} MATCH %s "
                "AND +rowid IN (SELECT value FROM json_each(%s))",
                [match_expression(terms), json.dumps(ids)],
            )
            scores = dict(cursor.fetchall())
        # bm25 is lower for better matches.
        return sorted(ids, key=lambda pk: (scores.get(pk, float("inf")), -pk))

    def contact_names_sql(self, value):
        if len(value) >= 3:  # a phrase of trigrams: the value anywhere in the names, any case
            return (
                f"SELECT rowid FROM {CONTACTS} WHERE {CONTACTS} MATCH %s",
                ['names : "' + value.replace('"', '""') + '"'],
            )
        # Shorter than a trigram: the table is read (it is one short row per contact).
        return f"SELECT rowid FROM {CONTACTS} WHERE instr(lower(names), lower(%s)) > 0", [value]

    def _write_contacts(self, cursor, where: str = "", params=()) -> None:
        """Refresh the contact names of these contacts (all of them without ``where``)."""
        if where:
            cursor.execute(f"DELETE FROM {CONTACTS} WHERE rowid IN ({where})", params)
            cursor.execute(
                f"INSERT INTO {CONTACTS}(rowid, names) {CONTACT_NAMES} WHERE c.id IN ({where})", params
            )
        else:
            cursor.execute(f"DELETE FROM {CONTACTS}")
            cursor.execute(f"INSERT INTO {CONTACTS}(rowid, names) {CONTACT_NAMES}")

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
                    f"WHERE {TABLE} MATCH %s AND +rowid IN ({placeholders})",  # see rank()
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
            done = self._write(cursor, cursor.fetchall())
            self._write_contacts(
                cursor, f"SELECT contact_id FROM tickets_ticket WHERE id IN ({placeholders})", ids
            )
            return done

    def rebuild(self, *, batch_size=20000, progress=None):
        with connection.cursor() as cursor:
            cursor.execute("SELECT min(id), max(id) FROM tickets_ticket")
            low, high = cursor.fetchone()
            cursor.execute(f"DELETE FROM {TABLE}")
            if low is None:
                self._write_contacts(cursor)
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
        with transaction.atomic(), connection.cursor() as cursor:
            self._write_contacts(cursor)
        return done
