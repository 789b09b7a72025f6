"""The ticket endpoints of the REST API v1, through the same services as the UI (ENV-9, ADM-4)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from parlons.core.actors import SYSTEM
from parlons.core.worker import run_pending_tasks
from parlons.tickets.models import Message, Ticket, TicketEvent
from parlons.tickets.services import create_tag, create_tracker
from tests.api.conftest import open_ticket

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_open_ticket_and_read_it_back_req_env9_ops1(agent_api, api_group):
    r = open_ticket(agent_api, api_group, subject="Permis d'études")
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["status"] == "new"
    assert data["subject"] == "Permis d'études"
    assert data["platform"] == "api"
    assert data["language"] == "fr"
    assert data["contact_detail"]["identities"][0]["handle"] == "@c-1"
    assert [m["body"] for m in data["messages"]] == ["Bonjour, où en est ma demande de permis d'études?"]
    assert [e["kind"] for e in data["history"]] == ["ticket.created"]
    again = agent_api.get(f"/api/v1/tickets/{data['id']}")
    assert again.status_code == 200
    assert again.json()["id"] == data["id"]


def test_same_external_id_twice_is_stored_once(agent_api, api_group):
    first = open_ticket(agent_api, api_group, external_id="m-1")
    second = open_ticket(agent_api, api_group, external_id="m-1")
    assert first.status_code == 201 and second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert Message.objects.count() == 1


def test_same_conversation_threads_into_one_ticket(agent_api, api_group):
    first = open_ticket(agent_api, api_group, conversation="chat-9")
    second = open_ticket(agent_api, api_group, conversation="chat-9", body="Autre question")
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert len(second.json()["messages"]) == 2


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"channel_group": 999999, "contact": {"id": "x"}, "body": "hi"}, "channel_group"),
        ({"channel_group": "abc", "contact": {"id": "x"}, "body": "hi"}, "channel_group"),
        ({"contact": {"id": "x"}, "body": "hi"}, "channel_group"),
        ({"channel_group": 1, "contact": {"id": ""}, "body": "hi"}, "contact.id"),
        ({"channel_group": 1, "contact": {"id": "x"}, "body": ""}, "body"),
        ({"channel_group": 1, "contact": {"id": "x"}, "body": "hi", "kind": "fax"}, "kind"),
    ],
)
def test_bad_ticket_input_is_400_with_the_field(agent_api, api_group, payload, field):
    if payload.get("channel_group") == 1:
        payload["channel_group"] = api_group.pk
    r = agent_api.post("/api/v1/tickets", payload, content_type=JSON)
    assert r.status_code == 400, r.content
    body = r.json()
    assert body["code"] == "invalid"
    fields = [e["field"] for e in body["details"].get("errors", [])] or [body["details"].get("field")]
    assert field in fields
    assert Ticket.objects.count() == 0


def test_malformed_json_is_400_not_500(agent_api):
    r = agent_api.post("/api/v1/tickets", "{not json", content_type=JSON)
    assert r.status_code == 400


def test_no_token_is_401_and_bad_token_is_401(client):
    assert client.get("/api/v1/tickets").status_code == 401
    r = client.get("/api/v1/tickets", HTTP_AUTHORIZATION="Bearer prl_nope")
    assert r.status_code == 401
    assert r.json()["code"] == "unauthorized"


def test_reader_cannot_write_req_adm4(reader_api, agent_api, api_group):
    ticket_id = open_ticket(agent_api, api_group).json()["id"]
    assert open_ticket(reader_api, api_group, contact="c-2").status_code == 403
    for method, url, payload in [
        ("post", f"/api/v1/tickets/{ticket_id}/replies", {"body": "Bonjour"}),
        ("post", f"/api/v1/tickets/{ticket_id}/notes", {"body": "note"}),
        ("patch", f"/api/v1/tickets/{ticket_id}", {"status": "pending"}),
    ]:
        r = getattr(reader_api, method)(url, payload, content_type=JSON)
        assert r.status_code == 403, (url, r.content)
        assert r.json()["code"] == "forbidden"
        assert r.json()["message"]
    assert TicketEvent.objects.filter(ticket_id=ticket_id).count() == 1
    assert reader_api.get(f"/api/v1/tickets/{ticket_id}").status_code == 200


def test_user_without_read_gets_404_for_a_ticket_and_403_for_lists_req_adm4(
    make_api_user, agent_api, api_group
):
    nobody = make_api_user(None)
    ticket_id = open_ticket(agent_api, api_group).json()["id"]
    assert nobody.get(f"/api/v1/tickets/{ticket_id}").status_code == 404
    assert nobody.get("/api/v1/tickets/999999").status_code == 404
    assert nobody.get("/api/v1/tickets").status_code == 403


def test_token_scopes_narrow_permissions_req_adm4(make_api_user, api_group, agent_api):
    ticket_id = open_ticket(agent_api, api_group).json()["id"]
    read_only = make_api_user("admin", username="scoped", scopes=["tickets.read"])
    assert read_only.get(f"/api/v1/tickets/{ticket_id}").status_code == 200
    assert (
        read_only.post(f"/api/v1/tickets/{ticket_id}/notes", {"body": "x"}, content_type=JSON).status_code
        == 403
    )


def test_reply_note_and_history_req_ops4_ops19(agent_api, api_group):
    ticket_id = open_ticket(agent_api, api_group).json()["id"]
    r = agent_api.post(
        f"/api/v1/tickets/{ticket_id}/replies", {"body": "Merci, nous vérifions."}, content_type=JSON
    )
    assert r.status_code == 201, r.content
    assert r.json()["direction"] == "out" and r.json()["delivery_status"] == "queued"
    r = agent_api.post(
        f"/api/v1/tickets/{ticket_id}/notes", {"body": "Vérifier le dossier"}, content_type=JSON
    )
    assert r.status_code == 201
    run_pending_tasks()
    data = agent_api.get(f"/api/v1/tickets/{ticket_id}").json()
    assert data["status"] == "open"
    assert data["first_response_at"] is not None
    assert [m["delivery_status"] for m in data["messages"]] == ["received", "sent"]
    assert [n["body"] for n in data["notes"]] == ["Vérifier le dossier"]
    assert [e["kind"] for e in data["history"]] == [
        "ticket.created",
        "ticket.status_changed",
        "reply.sent",
        "note.added",
    ]
    assert all(e["text"] for e in data["history"])


def test_empty_reply_is_400(agent_api, api_group):
    ticket_id = open_ticket(agent_api, api_group).json()["id"]
    r = agent_api.post(f"/api/v1/tickets/{ticket_id}/replies", {"body": "   "}, content_type=JSON)
    assert r.status_code == 400
    assert r.json()["code"] == "empty"


def test_patch_status_priority_assignee_req_ops24(lead_api, agent_api, api_group):
    ticket_id = open_ticket(agent_api, api_group).json()["id"]
    agent_id = agent_api.user.pk
    r = lead_api.patch(
        f"/api/v1/tickets/{ticket_id}",
        {"status": "pending", "priority": "high", "assignee_id": agent_id},
        content_type=JSON,
    )
    assert r.status_code == 200, r.content
    data = r.json()
    assert (data["status"], data["priority"], data["assignee"]["id"]) == ("pending", "high", agent_id)
    r = lead_api.patch(f"/api/v1/tickets/{ticket_id}", {"assignee_id": None}, content_type=JSON)
    assert r.json()["assignee"] is None
    r = lead_api.patch(f"/api/v1/tickets/{ticket_id}", {"status": "closed"}, content_type=JSON)
    assert r.json()["closed_by"]["id"] == lead_api.user.pk


def test_agent_may_take_a_ticket_but_not_give_it_to_others_req_adm5(agent_api, lead_api, api_group):
    ticket_id = open_ticket(agent_api, api_group).json()["id"]
    r = agent_api.patch(f"/api/v1/tickets/{ticket_id}", {"assignee_id": agent_api.user.pk}, content_type=JSON)
    assert r.status_code == 200
    r = agent_api.patch(f"/api/v1/tickets/{ticket_id}", {"assignee_id": lead_api.user.pk}, content_type=JSON)
    assert r.status_code == 403
    assert Ticket.objects.get(pk=ticket_id).assignee_id == agent_api.user.pk


def test_patch_bad_values_are_400(agent_api, api_group):
    ticket_id = open_ticket(agent_api, api_group).json()["id"]
    assert (
        agent_api.patch(f"/api/v1/tickets/{ticket_id}", {"status": "done"}, content_type=JSON).status_code
        == 400
    )
    assert (
        agent_api.patch(f"/api/v1/tickets/{ticket_id}", {"status": None}, content_type=JSON).status_code
        == 400
    )
    r = agent_api.patch(f"/api/v1/tickets/{ticket_id}", {"team_id": 123456}, content_type=JSON)
    assert r.status_code in (400, 403)


def test_tags_add_and_remove_fifty_plus_req_ops3_ops5(agent_api, api_group):
    ticket_id = open_ticket(agent_api, api_group).json()["id"]
    slugs = [create_tag(actor=SYSTEM, name_en=f"Topic {i}", name_fr=f"Sujet {i}").slug for i in range(55)]
    r = agent_api.post(f"/api/v1/tickets/{ticket_id}/tags", {"tags": slugs}, content_type=JSON)
    assert r.status_code == 200, r.content
    assert len(r.json()["tags"]) == 55
    r = agent_api.delete(f"/api/v1/tickets/{ticket_id}/tags?tag={slugs[0]}&tag={slugs[1]}")
    assert r.status_code == 200
    assert len(r.json()["tags"]) == 53
    r = agent_api.post(f"/api/v1/tickets/{ticket_id}/tags", {"tags": ["no-such-tag"]}, content_type=JSON)
    assert r.status_code == 400 and r.json()["code"] == "unknown_tag"


def test_list_filters_ordering_and_cursor_req_ops14_ops22_ops23(agent_api, lead_api, api_group, fb_group):
    ids = [open_ticket(agent_api, api_group, contact=f"c{i}").json()["id"] for i in range(5)]
    visa = create_tag(actor=SYSTEM, name_en="Visa", name_fr="Visa")
    agent_api.post(f"/api/v1/tickets/{ids[1]}/tags", {"tags": [visa.slug]}, content_type=JSON)
    lead_api.patch(
        f"/api/v1/tickets/{ids[2]}", {"status": "pending", "channel_group_id": fb_group.pk}, content_type=JSON
    )
    r = agent_api.get("/api/v1/tickets", {"tag": visa.slug})
    assert [t["id"] for t in r.json()["items"]] == [ids[1]]
    r = agent_api.get("/api/v1/tickets", {"exclude_tag": visa.slug, "order": "created"})
    assert [t["id"] for t in r.json()["items"]] == [ids[0], ids[2], ids[3], ids[4]]
    r = agent_api.get("/api/v1/tickets", {"channel": "facebook"})
    assert [t["id"] for t in r.json()["items"]] == [ids[2]]
    r = agent_api.get("/api/v1/tickets", {"status": ["new"], "order": "-created"})
    assert [t["id"] for t in r.json()["items"]] == [ids[4], ids[3], ids[1], ids[0]]
    seen, cursor = [], ""
    while True:
        page = agent_api.get("/api/v1/tickets", {"limit": 2, "cursor": cursor, "order": "created"}).json()
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ids
    assert agent_api.get("/api/v1/tickets", {"cursor": "garbage"}).status_code == 400
    assert agent_api.get("/api/v1/tickets", {"order": "name"}).status_code == 400
    assert agent_api.get("/api/v1/tickets", {"created_after": "not-a-date"}).status_code == 400


def test_bulk_update_req_ops21(lead_api, agent_api, api_group):
    ids = [open_ticket(agent_api, api_group, contact=f"c{i}").json()["id"] for i in range(3)]
    tag = create_tag(actor=SYSTEM, name_en="Passport", name_fr="Passeport")
    tracker = create_tracker(actor=SYSTEM, name="Outage")
    r = lead_api.post(
        "/api/v1/tickets/bulk",
        {
            "ids": [*ids, 999999],
            "changes": {
                "status": "pending",
                "priority": "urgent",
                "assignee_id": agent_api.user.pk,
                "add_tags": [tag.slug],
                "add_trackers": [tracker.pk],
            },
        },
        content_type=JSON,
    )
    assert r.status_code == 200, r.content
    assert r.json() == {"updated": ids, "unchanged": [], "not_found": [999999]}
    for t in Ticket.objects.filter(pk__in=ids):
        assert (t.status, t.priority, t.assignee_id) == ("pending", "urgent", agent_api.user.pk)
        assert list(t.tags.values_list("slug", flat=True)) == [tag.slug]
        assert list(t.trackers.values_list("pk", flat=True)) == [tracker.pk]
    assert (
        lead_api.post("/api/v1/tickets/bulk", {"ids": ids, "changes": {}}, content_type=JSON).status_code
        == 400
    )
    assert (
        lead_api.post(
            "/api/v1/tickets/bulk", {"ids": [], "changes": {"status": "open"}}, content_type=JSON
        ).status_code
        == 400
    )


def test_split_req_ops1(agent_api, api_group):
    first = open_ticket(agent_api, api_group, conversation="k").json()
    second = open_ticket(agent_api, api_group, conversation="k", body="Une autre question").json()
    message_id = second["messages"][1]["id"]
    r = agent_api.post(f"/api/v1/tickets/{first['id']}/split", {"message_id": message_id}, content_type=JSON)
    assert r.status_code == 201, r.content
    new = r.json()
    assert new["split_from_id"] == first["id"]
    assert [m["id"] for m in new["messages"]] == [message_id]
    old = agent_api.get(f"/api/v1/tickets/{first['id']}").json()
    assert "ticket.split" in [e["kind"] for e in old["history"]]
    r = agent_api.post(f"/api/v1/tickets/{first['id']}/split", {"message_id": 999999}, content_type=JSON)
    assert r.status_code == 404


def test_list_has_constant_query_count(agent_api, api_group):
    tag = create_tag(actor=SYSTEM, name_en="Visa", name_fr="Visa")
    for i in range(3):
        tid = open_ticket(agent_api, api_group, contact=f"q{i}").json()["id"]
        agent_api.post(f"/api/v1/tickets/{tid}/tags", {"tags": [tag.slug]}, content_type=JSON)
    with CaptureQueriesContext(connection) as small:
        assert len(agent_api.get("/api/v1/tickets").json()["items"]) == 3
    for i in range(3, 30):
        tid = open_ticket(agent_api, api_group, contact=f"q{i}").json()["id"]
        agent_api.post(f"/api/v1/tickets/{tid}/tags", {"tags": [tag.slug]}, content_type=JSON)
    with CaptureQueriesContext(connection) as large:
        assert len(agent_api.get("/api/v1/tickets").json()["items"]) == 30
    assert len(large.captured_queries) == len(small.captured_queries)


def test_openapi_lists_the_endpoints(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in [
        "/api/v1/tickets",
        "/api/v1/tickets/{ticket_id}",
        "/api/v1/tickets/{ticket_id}/replies",
        "/api/v1/tickets/{ticket_id}/notes",
        "/api/v1/tickets/{ticket_id}/tags",
        "/api/v1/tickets/bulk",
        "/api/v1/tickets/{ticket_id}/split",
        "/api/v1/tags",
        "/api/v1/trackers",
        "/api/v1/users",
        "/api/v1/teams",
        "/api/v1/channel-groups",
    ]:
        assert path in paths
    assert client.get("/api/docs").status_code == 200
