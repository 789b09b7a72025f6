"""PostgreSQL: the search documents carry their ticket's facets (tags, channel group, language, month of
creation) as lexemes of the vector, so words and fields are matched in one GIN lookup (SRCH-2, SRCH-3, SRCH-9).
The copy follows the ticket (a tag added or removed, a ticket moved to another channel group, a reindex, a
rebuild), and the tickets' own conditions stay the reference."""

from __future__ import annotations

import pytest
from django.db import connection

from parlons.core.worker import run_pending_tasks
from parlons.search.query import parse_query
from parlons.search.selectors import required_facets, search_tickets
from parlons.search.services import rebuild_index, reindex_tickets
from parlons.tickets.models import Tag
from parlons.tickets.services import Changes, add_tags, remove_tags, update_ticket

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: set DATABASE_URL=postgres://..."
)


def facets_of(ticket) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT facets FROM search_ticketsearchdocument WHERE ticket_id = %s", [ticket.pk])
        return set(cursor.fetchone()[0])


def ids(user, q):
    return {t.pk for t in search_tickets(user, q, with_facets=False).items}


def test_the_documents_facets_follow_the_ticket_req_srch3(corpus, agent_user, admin_user, committed_events):
    visa, other = Tag.objects.get(slug="visa"), Tag.objects.get(slug="other")
    fr = corpus.fr
    # Indexed by a rebuild: language, channel group, month of creation (UTC), tags.
    assert facets_of(fr) == {"#l:fr", f"#g:{corpus.fb.pk}", "#m:2026-02", f"#t:{visa.pk}"}
    with committed_events():
        add_tags(fr, [other], actor=agent_user)
    run_pending_tasks()  # the reindex the change queued
    assert {f"#t:{visa.pk}", f"#t:{other.pk}"} <= facets_of(fr)
    assert ids(agent_user, "immigration tag:other") == {fr.pk}
    with committed_events():
        remove_tags(fr, [visa], actor=agent_user)
        update_ticket(fr, Changes(channel_group=corpus.x), actor=admin_user)
    run_pending_tasks()
    assert facets_of(fr) == {"#l:fr", f"#g:{corpus.x.pk}", "#m:2026-02", f"#t:{other.pk}"}
    assert ids(agent_user, "immigration tag:visa") == set()
    assert ids(agent_user, "immigration channel:x") == {fr.pk}
    assert ids(agent_user, "immigration channel:facebook") == set()
    reindex_tickets([fr.pk])
    rebuild_index()
    assert facets_of(fr) == {"#l:fr", f"#g:{corpus.x.pk}", "#m:2026-02", f"#t:{other.pk}"}


@pytest.mark.parametrize(
    ("words", "fields"),
    [
        ("immigration", "tag:visa"),
        ("immigration", "lob:immigration"),
        ("immigration", "taggroup:documents"),
        ("immigration", "channel:facebook"),
        ("immigration", 'group:"IRCC FR"'),
        ("immigration", "lang:FR"),
        ("immigration", "created:2026-01-15..2026-03-01"),
        ('"permis d\'études"', "tag:visa channel:facebook created:2026-02-01..2026-02-28 lang:fr"),
    ],
)
def test_words_and_fields_are_matched_in_the_documents_req_srch2_srch3_srch9(
    corpus, agent_user, words, fields
):
    """The documents' facets take part in the match: with them emptied (as if out of date) the same search
    finds nothing, though the ticket still meets every condition; without words only the tickets are read."""
    query = f"{words} {fields}"
    assert ids(agent_user, query) == {corpus.fr.pk}
    assert corpus.fr.pk in ids(agent_user, fields)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE search_ticketsearchdocument SET facets = '{}' WHERE ticket_id = %s", [corpus.fr.pk]
        )
    assert ids(agent_user, query) == set()
    assert corpus.fr.pk in ids(agent_user, fields)


def test_what_a_query_requires_req_srch3(corpus, agent_user):
    visa = Tag.objects.get(slug="visa")
    q = parse_query("permis tag:visa tag:nonexistent channel:facebook lang:fr created:2025-11-20..2026-02-10")
    assert required_facets(q) == [
        [f"#t:{visa.pk}"],
        [],  # no such tag: nothing for the index, the tickets' condition finds nothing
        [f"#g:{corpus.fb.pk}"],
        ["#l:fr"],
        ["#m:2025-11", "#m:2025-12", "#m:2026-01", "#m:2026-02"],
    ]
    assert ids(agent_user, "permis tag:nonexistent") == set()  # planning a query that can match nothing
    # An open or very long date range is left to the tickets' date index.
    assert required_facets(parse_query("permis created:2020-01-01..")) == []
    assert required_facets(parse_query("permis created:2020-01-01..2026-01-01")) == []


def test_a_walk_of_the_newest_tickets_tests_the_words_only_req_srch9():
    """When the plan walks the newest tickets (common words), each document is tested for the words alone:
    with the facets in the same test, the planner read every document instead."""
    from parlons.search.backends import get_backend, postgres
    from parlons.search.query import Term

    backend = get_backend()
    sql, params = backend.match_sql([Term("permis")], facets=[["#t:1"], ["#l:fr"]])
    assert "::tsquery" in sql and params[-1] == "('#t:1') & ('#l:fr')"
    token = postgres._walking.set(True)
    try:
        sql, params = backend.match_sql([Term("permis")], facets=[["#t:1"], ["#l:fr"]])
    finally:
        postgres._walking.reset(token)
    assert "::tsquery" not in sql and "#t:1" not in params
