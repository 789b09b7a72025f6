"""What keeps a search fast whatever it matches (SRCH-9), on both back-ends: relevance ranks a bounded set of
candidates (the most recent matches of the whole query), counts (facets) are bounded and fetched on their own,
``contact:`` reads a trigram index (SRCH-6), and snippets are cut from a bounded text."""

from __future__ import annotations

import pytest
from django.db import connection

from parlons.search import selectors
from parlons.search.backends import get_backend
from parlons.search.query import parse_query
from parlons.search.selectors import search_facets, search_tickets
from parlons.search.services import rebuild_index, reindex_tickets
from tests import factories
from tests.search.conftest import at


def ids(user, q, **kw):
    return [t.pk for t in search_tickets(user, q, **kw).items]


def test_relevance_puts_the_best_match_first_req_srch2_srch9(corpus, agent_user):
    group = corpus.fb
    weak = factories.TicketFactory(subject="Note", channel_group=group, created_at=at("2026-03-01"))
    factories.MessageFactory(
        ticket=weak, body="un mot sur le passeport, puis autre chose", created_at=at("2026-03-01")
    )
    strong = factories.TicketFactory(subject="Passeport", channel_group=group, created_at=at("2026-01-05"))
    factories.MessageFactory(
        ticket=strong, body="passeport passeport: mon passeport est perdu", created_at=at("2026-01-05")
    )
    rebuild_index()
    assert ids(agent_user, "passeport") == [strong.pk, weak.pk]  # older, but more relevant
    assert ids(agent_user, "passeport", ordering="-created") == [weak.pk, strong.pk]


def test_relevance_ranks_the_most_recent_matches_of_the_whole_query_req_srch9(
    corpus, agent_user, monkeypatch
):
    monkeypatch.setattr(selectors, "RANK_CANDIDATES", 1)
    # Both tickets match perm*; only the most recent one (en, 2026-04-02) is ranked.
    page = search_tickets(agent_user, "perm*", with_facets=False)
    assert [t.pk for t in page.items] == [corpus.en.pk] and page.next_cursor is None
    assert page.total is None  # more matches than candidates: counting is search_facets' job
    # The candidates are chosen among the matches of the whole query, fields included: fr is the most recent
    # Facebook match even though en is the most recent text match.
    assert ids(agent_user, "perm* channel:facebook") == [corpus.fr.pk]
    # Ordering by date is not bounded.
    assert set(ids(agent_user, "perm*", ordering="-created")) == {corpus.fr.pk, corpus.en.pk}


def test_the_rank_of_a_missing_document_goes_last_req_srch9(corpus, agent_user):
    ranked = get_backend().rank([corpus.fr.pk, 10**9], parse_query("permis").terms)
    assert ranked == [corpus.fr.pk, 10**9]


def test_counts_are_exact_below_the_sample_req_srch9_ui3(corpus, agent_user):
    counted = search_facets(agent_user, "")
    assert (counted.total, counted.more) == (3, False)
    assert {f["value"]: f["count"] for f in counted.facets["channel"]} == {"facebook": 2, "x": 1}
    assert {f["value"]: f["count"] for f in counted.facets["tag"]} == {"visa": 1, "spam": 1, "other": 1}


def test_counts_of_a_huge_result_are_over_its_most_recent_tickets_req_srch9_ui3(
    corpus, agent_user, monkeypatch
):
    monkeypatch.setattr(selectors, "FACET_SAMPLE", 2)
    counted = search_facets(agent_user, "")
    # The two most recent tickets are en (2026-04-02) and fr (2026-02-10); junk (2025-12-30) is not counted.
    assert (counted.total, counted.more) == (2, True)
    assert {f["value"]: f["count"] for f in counted.facets["status"]} == {"resolved": 1, "open": 1}
    assert {f["value"]: f["count"] for f in counted.facets["tag"]} == {"visa": 1, "other": 1}


def test_results_alone_do_not_count_req_srch9(corpus, agent_user, django_assert_max_num_queries):
    # Without facets, a page by relevance is: candidates, rank, tickets by id, their tags, snippets; on
    # PostgreSQL also the planner settings (two when the words are common), the words' estimate and the reset
    # (backends/postgres.py ``planned``).
    with django_assert_max_num_queries(6 if connection.vendor == "sqlite" else 10):
        page = search_tickets(agent_user, "perm*", with_facets=False)
    assert page.facets == {} and page.total == 2


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("contact:smit", {"en"}),  # part of the name and the handle (bsmith)
        ("contact:SMITH", {"en"}),  # any case
        ("contact:@bsm", {"en"}),  # a leading @ is dropped
        ("contact:do", {"fr"}),  # shorter than a trigram: still found
        ("contact:jdoe", {"fr"}),
        ("contact:zzz", set()),
        ("contact:50%", set()),  # LIKE wildcards are plain characters
        ("contact:_", set()),
    ],
)
def test_contact_finds_a_part_of_a_name_or_handle_req_srch6(corpus, agent_user, query, expected):
    assert set(ids(agent_user, query)) == {getattr(corpus, name).pk for name in expected}


def test_contact_by_email_and_number_req_srch6(corpus, agent_user):
    corpus.en.contact.email = "b.smith@example.com"
    corpus.en.contact.save()
    assert ids(agent_user, "contact:B.Smith@Example.com") == [corpus.en.pk]
    assert ids(agent_user, f"contact:{corpus.fr.contact_id}") == [corpus.fr.pk]


def test_contact_index_follows_new_contacts_req_srch6(corpus, agent_user):
    ident = factories.ContactIdentityFactory(handle="ztremblay", contact__name="Zoé Tremblay")
    ticket = factories.TicketFactory(
        contact=ident.contact, channel_group=corpus.fb, created_at=at("2026-02-01")
    )
    reindex_tickets([ticket.pk])
    assert ids(agent_user, "contact:tremblay") == [ticket.pk]
    assert ids(agent_user, "contact:Zoé") == [ticket.pk]


def test_contact_reads_the_trigram_index_req_srch6_srch9(corpus):
    sql, params = get_backend().contact_sql("smith")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SET LOCAL enable_seqscan = off"
            )  # the tables are tiny: ask whether an index serves
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "contact_name_trgm" in plan and "identity_display_name_trgm" in plan, plan
            assert "identity_handle_trgm" in plan, plan
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "VIRTUAL TABLE INDEX" in plan and "search_contact_fts" in plan, plan


def test_postgresql_snippets_are_cut_from_a_bounded_text_req_srch9_ui3(corpus, agent_user):
    if connection.vendor != "postgresql":
        pytest.skip("ts_headline is PostgreSQL's; SQLite's snippet() reads the FTS index")
    from parlons.search.backends.postgres import HEADLINE_CHARS

    ticket = factories.TicketFactory(subject="Long", channel_group=corpus.fb, created_at=at("2026-02-01"))
    factories.MessageFactory(ticket=ticket, body="bla " * (HEADLINE_CHARS // 4), created_at=at("2026-02-01"))
    factories.MessageFactory(ticket=ticket, body="zanzibar", created_at=at("2026-02-02"))
    rebuild_index()
    result = search_tickets(agent_user, "zanzibar")
    assert [t.pk for t in result.items] == [ticket.pk]
    snippet = result.snippets[ticket.pk]
    assert snippet and "<mark>" not in snippet  # the match lies past the bound: the start is shown
    assert "<mark>" in search_tickets(agent_user, "long").snippets[ticket.pk]


def test_sqlite_walks_the_date_index_instead_of_sorting_every_match_req_srch9(corpus, agent_user):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL chooses by its statistics")
    from parlons.search.selectors import apply_query
    from parlons.tickets.selectors import tickets_visible_to

    for query in ("perm*", "tag:visa", "replied_by:agent2 -work"):
        qs = apply_query(tickets_visible_to(agent_user), parse_query(query), agent_user)
        sql, params = qs.order_by("-created_at", "-id").values("pk")[:50].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
        assert "SCAN tickets_ticket USING" in plan and "TEMP B-TREE FOR ORDER BY" not in plan, (query, plan)
