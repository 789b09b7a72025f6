"""How the search's queries are planned at scale (SRCH-9): exclusions are tested ticket by ticket (``NOT EXISTS``,
an anti-join) instead of hashing every ticket they name, and on PostgreSQL the search's own queries run without
JIT, and walk the newest tickets (no bitmap scans, no parallel workers) when the words are common."""

from __future__ import annotations

import pytest
from django.db import connection

from parlons.search import selectors
from parlons.search.backends import get_backend
from parlons.search.query import parse_query
from parlons.search.selectors import apply_query, search_facets, search_tickets
from parlons.tickets.selectors import tickets_visible_to


def ids(user, q, **kw):
    return {t.pk for t in search_tickets(user, q, **kw).items}


def _sql(user, query: str) -> str:
    qs = apply_query(tickets_visible_to(user), parse_query(query), user)
    sql, _params = qs.values("pk").query.sql_with_params()
    return sql


@pytest.mark.parametrize("query", ["-tag:spam", "-lob:immigration", "-taggroup:documents", "-type:dm"])
def test_excluded_fields_are_anti_joins_req_srch4_srch9(corpus, agent_user, query):
    sql = _sql(agent_user, f"permis {query}")
    # The only ``IN (subquery)`` left is the word's; the exclusion is a correlated EXISTS, negated.
    assert "EXISTS(" in sql and sql.count("IN (SELECT") == 1, sql


def test_excluded_tags_still_exclude_req_srch4_srch9(corpus, agent_user):
    assert ids(agent_user, "-tag:spam", ordering="-created") == {corpus.fr.pk, corpus.en.pk}
    assert ids(agent_user, "-tag:visa -tag:other", ordering="-created") == {corpus.junk.pk}
    assert ids(agent_user, "-lob:immigration", ordering="-created") == {corpus.en.pk, corpus.junk.pk}
    assert ids(agent_user, "-type:mention", ordering="-created") == {corpus.fr.pk, corpus.junk.pk}


def test_postgresql_excluded_words_are_an_anti_join_req_srch1_srch9(corpus, agent_user):
    if connection.vendor != "postgresql":
        pytest.skip("FTS5 is asked once for the excluded words' matches")
    sql = _sql(agent_user, 'permis -renewal -"work permit"')
    assert "NOT (EXISTS(" in sql and '."vector" @@' in sql and sql.count("IN (SELECT") == 1, sql
    assert ids(agent_user, "perm* -work", ordering="-created") == {corpus.fr.pk}
    assert ids(agent_user, 'perm* -"study permit"', ordering="-created") == {corpus.fr.pk}
    assert ids(agent_user, "perm* -zanzibar", ordering="-created") == {corpus.fr.pk, corpus.en.pk}
    # The same exclusion inside a larger query (the bulk update reads the search as a subquery).
    qs = apply_query(tickets_visible_to(agent_user), parse_query("-work"), agent_user)
    from parlons.tickets.models import Ticket

    assert set(Ticket.objects.filter(pk__in=qs.values("pk")).values_list("pk", flat=True)) == {
        corpus.fr.pk,
        corpus.junk.pk,
    }


def _statements(user, run) -> list[str]:
    seen: list[str] = []

    def record(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        run()
    return seen


def _setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


def test_postgresql_search_queries_run_without_jit_req_srch9(corpus, agent_user):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner settings")
    before = (_setting("max_parallel_workers_per_gather"), _setting("jit"), _setting("enable_bitmapscan"))
    for run in (
        lambda: search_tickets(agent_user, "permis", with_facets=False),
        lambda: search_tickets(agent_user, "tag:visa", ordering="-created", with_facets=False),
        lambda: search_facets(agent_user, "permis"),
    ):
        seen = _statements(agent_user, run)
        first_ticket_read = next(i for i, sql in enumerate(seen) if 'FROM "tickets_ticket"' in sql)
        setting = next(i for i, sql in enumerate(seen) if "SET jit = off" in sql)
        assert setting < first_ticket_read
        assert "RESET jit" in seen[-1]
    assert (
        _setting("max_parallel_workers_per_gather"),
        _setting("jit"),
        _setting("enable_bitmapscan"),
    ) == before


def test_postgresql_common_words_walk_the_newest_tickets_req_srch9(corpus, agent_user, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner settings")
    from parlons.search.backends import postgres

    backend = get_backend()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_ticketsearchdocument")
    common = backend.share(parse_query("permis").terms)
    assert common * postgres.WALK_ROWS >= selectors.RANK_CANDIDATES  # in 2 of the 3 documents
    # A phrase matches no more than its rarest word; words AND-ed, no more than the rarest term.
    assert backend.share(parse_query('"permis zanzibar"').terms) <= backend.share(
        parse_query("zanzibar").terms
    )
    assert backend.share(parse_query("permis zanzibar").terms) <= common

    def bitmap_scans_off(query: str) -> bool:
        """The walk: no bitmap scans and no parallel workers."""
        seen = _statements(agent_user, lambda: search_tickets(agent_user, query, with_facets=False))
        return any(
            "SET enable_bitmapscan = off; SET max_parallel_workers_per_gather = 0" in sql for sql in seen
        )

    monkeypatch.setattr(postgres.PostgresBackend, "share", lambda self, terms: 0.5)
    assert bitmap_scans_off("permis")
    # The other conditions narrow the tickets: fewer matches among the newest, the planner chooses.
    monkeypatch.setattr(postgres, "_share_of", lambda narrowed: 1.0 if narrowed is None else 0.001)
    assert not bitmap_scans_off("permis tag:visa")
    rare = selectors.RANK_CANDIDATES / postgres.WALK_ROWS / 2
    monkeypatch.setattr(postgres.PostgresBackend, "share", lambda self, terms: rare)
    assert not bitmap_scans_off("permis")
    # The counts want the 10,001 most recent matches: the planner chooses, even for the commonest word.
    monkeypatch.setattr(postgres.PostgresBackend, "share", lambda self, terms: 1.0)
    monkeypatch.setattr(postgres, "_share_of", lambda narrowed: 1.0)
    assert bitmap_scans_off("permis")
    seen = _statements(agent_user, lambda: search_facets(agent_user, "permis"))
    assert not any("SET enable_bitmapscan = off" in sql for sql in seen)
    assert _setting("enable_bitmapscan") == "on"


def test_postgresql_settings_are_restored_after_an_error_req_srch9(corpus, agent_user, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner settings")

    def fail(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "facets_of", fail)
    with pytest.raises(RuntimeError):
        search_facets(agent_user, "permis")
    assert _setting("jit") == "on"
