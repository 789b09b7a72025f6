"""The interface of a search back-end and what both share: the SQL that builds a ticket's document."""

# ruff: noqa: S608 - the SQL is assembled from constants only; what the user typed is always a parameter.

from __future__ import annotations

import html
from collections.abc import Iterable
from contextlib import contextmanager

from parlons.search.query import Term

MARK_START = "\u27e6"  # ⟦ and ⟧ delimit highlights inside the database, then become <mark> after escaping
MARK_END = "\u27e7"


# PostgreSQL: a ticket's facets, lexemes of its search vector (migrations/0004): its language, channel group,
# month of creation (UTC) and tags. ``facet`` below writes the same lexemes for a query.
FACETS_SQL = (
    "ARRAY['#l:' || lower(t.language), '#g:' || t.channel_group_id::text, "
    "'#m:' || to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM')] "
    "|| ARRAY(SELECT '#t:' || tt.tag_id::text FROM tickets_tickettag tt WHERE tt.ticket_id = t.id "
    "ORDER BY tt.tag_id)"
)


def facet(kind: str, value) -> str:
    """One facet lexeme: ``t`` tag id, ``g`` channel group id, ``l`` language code, ``m`` month (``YYYY-MM``)."""
    return f"#{kind}:{str(value).lower()}"


def document_sql(vendor: str, where: str) -> str:
    """SELECT ticket id, document for the tickets matched by ``where`` (a condition on ``t``): the subject,
    the contact's name and handles, every message body and every note, one per line. On PostgreSQL a third
    column: the ticket's facets (``FACETS_SQL``)."""
    if vendor == "postgresql":
        agg_msg = "string_agg(m.body, E'\\n' ORDER BY m.created_at, m.id)"
        agg_note = "string_agg(n.body, E'\\n' ORDER BY n.created_at, n.id)"
        agg_ident = "string_agg(ci.handle || ' ' || ci.display_name, ' ')"
        sep = "E'\\n'"
    else:
        agg_msg = "group_concat(m.body, char(10))"
        agg_note = "group_concat(n.body, char(10))"
        agg_ident = "group_concat(ci.handle || ' ' || ci.display_name, ' ')"
        sep = "char(10)"
    return (
        "SELECT t.id, "
        f"coalesce(t.subject, '') || {sep} || coalesce(c.name, '') || ' ' || "
        f"coalesce((SELECT {agg_ident} FROM tickets_contactidentity ci WHERE ci.contact_id = t.contact_id), '')"
        f" || {sep} || "
        f"coalesce((SELECT {agg_msg} FROM tickets_message m WHERE m.ticket_id = t.id), '') || {sep} || "
        f"coalesce((SELECT {agg_note} FROM tickets_note n WHERE n.ticket_id = t.id), '') "
        + (f", {FACETS_SQL} " if vendor == "postgresql" else "")
        + "FROM tickets_ticket t JOIN tickets_contact c ON c.id = t.contact_id "
        f"WHERE {where}"
    )


def like_pattern(value: str) -> str:
    """``%value%`` for LIKE, with LIKE's own wildcards in the value escaped (backslash is the escape)."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def highlight(raw: str | None) -> str:
    """Escape a snippet for HTML and turn the back-end's highlight delimiters into ``<mark>``."""
    text = html.escape(" ".join((raw or "").split()))
    return text.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


class SearchBackend:
    """What a back-end does. Conditions are SQL fragments returning ticket ids, used as ``pk__in`` subqueries
    so that every structured filter stays an ORM filter."""

    vendor = ""
    # SQLite's planner reads an ``id IN (full-text match)`` condition first, then sorts every match by date;
    # with ``+id`` it walks the tickets' date index and stops at the page (or the ranking's candidates), which
    # for a broad word is 10-30 times cheaper. PostgreSQL chooses by its statistics.
    walk_by_date = False

    # The documents carry their ticket's facets (``match_sql``'s ``facets``).
    has_facets = False

    def match_sql(
        self, terms: list[Term], *, any_of: bool = False, facets: list[list[str]] = ()
    ) -> tuple[str, list]:
        """SQL selecting the ids of the tickets whose document matches all (or, with ``any_of``, any) terms;
        with ``facets`` (where ``has_facets``), only documents holding a facet of each list (``facet``)."""
        raise NotImplementedError

    def matches_any(self, terms: list[Term]):
        """A condition on a ticket "its document matches one of these terms" that the database tests ticket by
        ticket (a correlated ``EXISTS``), for exclusions (``-word``), or None to use ``pk IN (match_sql)``."""
        return None

    @contextmanager
    def planned(self, terms=(), narrowed=None, wanted=500):
        """Around the search's own queries (candidates, a page by date, counts) for a query with these words
        and, when it has other conditions, ``narrowed`` (the tickets they keep, words aside), that want at
        most ``wanted`` of the most recent matches (None: more, the counts' sample): the planner settings they
        are meant for. Nothing by default."""
        yield

    def rank(self, ticket_ids: list[int], terms: list[Term]) -> list[int]:
        """These tickets (a bounded candidate set, all matching the terms), most relevant first; ties, and
        tickets whose document is missing, go newest (highest id) first."""
        raise NotImplementedError

    def contact_names_sql(self, value: str) -> tuple[str, list]:
        """SQL selecting the ids of the contacts whose name, display name or handle contains ``value`` (any
        case), from a trigram index."""
        raise NotImplementedError

    def contact_sql(self, value: str) -> tuple[str, list]:
        """SQL selecting the contact ids ``contact:value`` means (SRCH-6): a part of the name, display name or
        handle (a leading ``@`` is dropped), the e-mail address (when the value has an ``@`` inside), or the
        contact's number."""
        value = value.strip()
        bare = value.lstrip("@") or value
        sql, params = self.contact_names_sql(bare)
        parts = [sql]
        if "@" in bare:
            parts.append("SELECT id FROM tickets_contact WHERE upper(email) = upper(%s)")
            params = [*params, bare]
        if value.isdigit():
            parts.append("SELECT id FROM tickets_contact WHERE id = %s")
            params = [*params, int(value)]
        return " UNION ".join(parts), params

    def snippets(self, ticket_ids: Iterable[int], terms: list[Term]) -> dict[int, str]:
        """Highlighted, escaped HTML snippets for these tickets."""
        raise NotImplementedError

    def reindex(self, ticket_ids: Iterable[int]) -> int:
        """Rebuild the documents of these tickets (dropping those of tickets that no longer exist)."""
        raise NotImplementedError

    def rebuild(self, *, batch_size: int = 20000, progress=None) -> int:
        """Rebuild the whole index in batches of ticket ids; returns how many tickets were indexed."""
        raise NotImplementedError
