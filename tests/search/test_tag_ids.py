"""PostgreSQL: the search documents carry their ticket's tag ids, so words and required tags are matched in one
table's two GIN indexes (SRCH-3, SRCH-9). The copy follows the ticket: a tag added or removed by an agent, a
reindex, a rebuild; ``lob:`` and ``taggroup:`` require any tag of theirs."""

from __future__ import annotations

import pytest
from django.db import connection

from parlons.core.worker import run_pending_tasks
from parlons.search.selectors import search_tickets
from parlons.search.services import rebuild_index, reindex_tickets
from parlons.tickets.models import Tag
from parlons.tickets.services import add_tags, remove_tags

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: set DATABASE_URL=postgres://..."
)


def doc_tags(ticket) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tag_ids FROM search_ticketsearchdocument WHERE ticket_id = %s", [ticket.pk])
        return list(cursor.fetchone()[0])


def ids(user, q):
    return {t.pk for t in search_tickets(user, q, with_facets=False).items}


def test_the_documents_tags_follow_the_ticket_req_srch3(corpus, agent_user, committed_events):
    visa, other = Tag.objects.get(slug="visa"), Tag.objects.get(slug="other")
    assert doc_tags(corpus.fr) == [visa.pk]  # the corpus was indexed by a rebuild
    with committed_events():
        add_tags(corpus.fr, [other], actor=agent_user)
    run_pending_tasks()  # the reindex the tag change queued
    assert doc_tags(corpus.fr) == sorted([visa.pk, other.pk])
    assert ids(agent_user, "immigration tag:other") == {corpus.fr.pk}
    with committed_events():
        remove_tags(corpus.fr, [visa], actor=agent_user)
    run_pending_tasks()
    assert doc_tags(corpus.fr) == [other.pk]
    assert ids(agent_user, "immigration tag:visa") == set()
    reindex_tickets([corpus.fr.pk])
    assert doc_tags(corpus.fr) == [other.pk]
    rebuild_index()
    assert doc_tags(corpus.fr) == [other.pk] and doc_tags(corpus.junk) == [Tag.objects.get(slug="spam").pk]


def test_words_and_tags_are_matched_in_the_documents_req_srch3_srch9(corpus, agent_user):
    """The documents' tag ids take part in the match: with the copy emptied (as if out of date) the same search
    finds nothing, though the ticket still has the tag. ``lob:`` and ``taggroup:`` mean any of their tags."""
    assert ids(agent_user, "immigration tag:visa") == {corpus.fr.pk}
    assert ids(agent_user, "immigration lob:immigration") == {corpus.fr.pk}
    assert ids(agent_user, "immigration taggroup:documents") == {corpus.fr.pk}
    assert ids(agent_user, "immigration tag:visa tag:other") == set()  # every tag: is required
    assert ids(agent_user, "immigration tag:nonexistent") == set()
    assert ids(agent_user, "tag:visa") == {corpus.fr.pk}  # no words: the tickets' own tags only
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE search_ticketsearchdocument SET tag_ids = '{}' WHERE ticket_id = %s", [corpus.fr.pk]
        )
    assert ids(agent_user, "immigration tag:visa") == set()
    assert ids(agent_user, "immigration lob:immigration") == set()
    assert ids(agent_user, "tag:visa") == {corpus.fr.pk}
