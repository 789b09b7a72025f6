"""The search API: /api/v1/tickets?q=, /api/v1/search and the streamed exports (SRCH-9, UI-3, OPS-3)."""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from parlons.core.worker import run_pending_tasks
from parlons.search.selectors import search_tickets
from tests import factories


def test_tickets_list_takes_q_req_ops23(corpus, agent_api):
    r = agent_api.get("/api/v1/tickets", {"q": "permis tag:visa"})
    assert r.status_code == 200
    assert [t["id"] for t in r.json()["items"]] == [corpus.fr.pk]


def test_bad_syntax_is_a_400_with_the_message_req_srch5(corpus, agent_api, make_api_user):
    analyst = make_api_user("analyst")
    for client, path in (
        (agent_api, "/api/v1/tickets"),
        (agent_api, "/api/v1/search"),
        (analyst, "/api/v1/search/export"),
    ):
        r = client.get(path, {"q": 'status:maybe "open'})
        assert r.status_code == 400, path
        assert r.json()["code"] == "bad_query" and "maybe" in r.json()["message"]


def test_search_endpoint_items_snippets_facets_req_ui3(corpus, agent_api):
    r = agent_api.get("/api/v1/search", {"q": "etude"})
    assert r.status_code == 200
    body = r.json()
    assert [t["id"] for t in body["items"]] == [corpus.fr.pk]
    assert "<mark>" in body["items"][0]["snippet"]
    assert body["facets"]["channel"] == [{"value": "facebook", "count": 1}]


def test_search_endpoint_can_leave_the_facets_out_req_srch9(corpus, agent_api):
    full = agent_api.get("/api/v1/search", {"q": "perm*"}).json()
    assert full["total"] == 2 and full["facets"]["status"]
    bare = agent_api.get("/api/v1/search", {"q": "perm*", "facets": "false"}).json()
    assert bare["facets"] == {} and bare["total"] == 2  # all the matches fit in the ranked candidates
    assert [t["id"] for t in bare["items"]] == [t["id"] for t in full["items"]]


def test_search_without_read_is_403_req_srch9(corpus, make_api_user):
    client = make_api_user(None)
    assert client.get("/api/v1/search", {"q": "permis"}).status_code == 403
    assert client.get("/api/v1/tickets", {"q": "permis"}).status_code == 403


def test_export_needs_data_export_req_ops3(corpus, agent_api):
    assert agent_api.get("/api/v1/search/export", {"q": "", "format": "csv"}).status_code == 403


def test_export_csv_has_every_result_req_ops3(corpus, make_api_user):
    client = make_api_user("analyst")
    r = client.get("/api/v1/search/export", {"q": "-tag:spam", "format": "csv"})
    assert r.status_code == 200 and r.streaming
    rows = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["id", "subject", "status"]
    assert {int(row[0]) for row in rows[1:]} == {corpus.fr.pk, corpus.en.pk}
    assert "Permis d'études" in {row[1] for row in rows[1:]}


def test_export_xlsx_opens_req_ops3(corpus, make_api_user):
    client = make_api_user("analyst")
    r = client.get("/api/v1/search/export", {"q": "tag:visa", "format": "xlsx"})
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(r.streaming_content)), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "id" and [row[0] for row in rows[1:]] == [corpus.fr.pk]
    assert rows[1][10] == "visa"


def test_new_messages_and_notes_are_indexed_by_the_listener_req_srch9(agent_user, committed_events):
    group = factories.ChannelGroupFactory(platform="api", name="Bot")
    with committed_events():
        ticket = factories.ingest(group, body="Ma carte de résident permanent est expirée").ticket
    run_pending_tasks()
    assert [t.pk for t in search_tickets(agent_user, "resident carte").items] == [ticket.pk]
    from parlons.tickets.services import add_note

    with committed_events():
        add_note(ticket, "Rappeler la cliente jeudi", actor=agent_user)
    run_pending_tasks()
    assert [t.pk for t in search_tickets(agent_user, "jeudi").items] == [ticket.pk]


QUERY_CHARS = st.sampled_from(list("ab é:-\"*.@_ 0129tagsu'’()&|!<>:")) | st.characters(
    blacklist_categories=("Cs",)
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=QUERY_CHARS, max_size=60))
def test_random_queries_never_fail_the_api_req_srch5(corpus, agent_api, text):
    for path in ("/api/v1/search", "/api/v1/tickets"):
        r = agent_api.get(path, {"q": text})
        assert r.status_code in (200, 400), (path, text, r.content[:300])
