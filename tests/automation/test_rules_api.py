"""/api/v1/rules (REQ OPS-12, OPS-25, OPS-24): JSON documents, clear 400s, permissions."""

from __future__ import annotations

import pytest

from parlons.automation.models import AssignmentPolicy, AutoTag, Rule
from parlons.tickets.models import TicketEvent
from tests import factories
from tests.api.conftest import make_api_user  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

DOC = {
    "trigger": "message_received",
    "match": "any",
    "conditions": [{"field": "text", "op": "contains_any", "value": ["passport", "passeport"]}],
    "actions": [{"type": "set_priority", "value": "high"}],
}


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


@pytest.fixture
def admin_api(make_api_user):  # noqa: F811
    return make_api_user("admin")


@pytest.fixture
def lead_api(make_api_user):  # noqa: F811
    return make_api_user("lead")


@pytest.fixture
def agent_api(make_api_user):  # noqa: F811
    return make_api_user("agent")


def test_create_list_get_update_delete_req_ops12(admin_api):
    response = post(admin_api, "/api/v1/rules", {"name": "Passports", "document": DOC})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["document"]["conditions"][0]["value"] == ["passport", "passeport"]
    assert body["trigger"] == "message_received" and body["position"] == 1
    pk = body["id"]
    assert [r["id"] for r in admin_api.get("/api/v1/rules").json()] == [pk]
    assert admin_api.get(f"/api/v1/rules/{pk}").json()["name"] == "Passports"
    response = admin_api.patch(
        f"/api/v1/rules/{pk}", {"is_enabled": False, "name": "Passeports"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["is_enabled"] is False
    assert Rule.objects.get().name == "Passeports"
    assert admin_api.delete(f"/api/v1/rules/{pk}").status_code == 200
    assert not Rule.objects.exists()
    assert admin_api.get(f"/api/v1/rules/{pk}").status_code == 404


def test_invalid_documents_give_clear_400s_req_ops12(admin_api):
    bad = {**DOC, "conditions": [{"field": "colour", "op": "in", "value": ["red"]}]}
    response = post(admin_api, "/api/v1/rules", {"name": "Bad", "document": bad})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_rule"
    assert body["details"]["errors"][0]["field"] == "conditions.0.field"
    assert "colour" in body["message"]
    bad = {**DOC, "actions": [{"type": "add_tags", "value": ["missing-tag"]}]}
    body = post(admin_api, "/api/v1/rules", {"name": "Bad", "document": bad}).json()
    assert body["details"]["errors"] == [{"field": "actions.0.value", "message": "Unknown tags: missing-tag"}]
    assert post(admin_api, "/api/v1/rules", {"name": "", "document": DOC}).status_code == 400
    assert post(admin_api, "/api/v1/rules", {"name": "No doc"}).status_code == 400
    assert post(admin_api, "/api/v1/rules", {"name": "x", "document": {"trigger": 3}}).status_code == 400
    assert not Rule.objects.exists()


def test_permissions_req_ops12(admin_api, lead_api, agent_api, make_api_user):  # noqa: F811
    pk = post(admin_api, "/api/v1/rules", {"name": "R", "document": DOC}).json()["id"]
    assert agent_api.get("/api/v1/rules").status_code == 403
    assert agent_api.get(f"/api/v1/rules/{pk}").status_code == 403
    assert lead_api.get("/api/v1/rules").status_code == 200  # leads read and try
    assert post(lead_api, f"/api/v1/rules/{pk}/dry-run", {}).status_code == 200
    for client in (lead_api, agent_api):
        assert post(client, "/api/v1/rules", {"name": "X", "document": DOC}).status_code == 403
        assert (
            client.patch(
                f"/api/v1/rules/{pk}", {"is_enabled": False}, content_type="application/json"
            ).status_code
            == 403
        )
        assert client.delete(f"/api/v1/rules/{pk}").status_code == 403
        assert post(client, "/api/v1/rules/reorder", {"ids": [pk]}).status_code == 403
    # A token without the system.admin scope cannot either, even for an administrator.
    scoped = make_api_user("admin", username="scoped-admin", scopes=["tickets.read"])
    assert post(scoped, "/api/v1/rules", {"name": "X", "document": DOC}).status_code == 403
    assert Rule.objects.get().is_enabled is True and Rule.objects.count() == 1


def test_reorder_and_dry_run_req_ops12(admin_api, channel_group):
    a = post(admin_api, "/api/v1/rules", {"name": "A", "document": DOC}).json()["id"]
    b = post(admin_api, "/api/v1/rules", {"name": "B", "document": DOC}).json()["id"]
    response = post(admin_api, "/api/v1/rules/reorder", {"ids": [b, a]})
    assert [r["id"] for r in response.json()] == [b, a]
    assert post(admin_api, "/api/v1/rules/reorder", {"ids": [b]}).status_code == 400
    factories.ingest(channel_group, body="Mon passeport", sender="x")
    factories.ingest(channel_group, body="Autre chose", sender="y")
    events = TicketEvent.objects.count()
    result = post(admin_api, "/api/v1/rules/dry-run", {"document": DOC, "limit": 5}).json()
    assert result["tried"] == 2 and result["matched"] == 1
    assert post(admin_api, f"/api/v1/rules/{a}/dry-run?limit=1", {}).json()["tried"] == 1
    assert post(admin_api, "/api/v1/rules/dry-run", {"document": {"trigger": "x"}}).status_code == 400
    assert post(admin_api, "/api/v1/rules/dry-run", {"document": DOC, "limit": 5000}).status_code == 400
    assert TicketEvent.objects.count() == events


def test_auto_tags_and_assignment_policy_api_req_ops25_ops24(admin_api, lead_api):
    factories.TagFactory(slug="passports")
    body = {
        "tag": "passports",
        "keywords_en": ["passport"],
        "keywords_fr": ["passeport"],
        "sources": ["messages"],
    }
    response = post(admin_api, "/api/v1/rules/auto-tags", body)
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["sources"] == ["messages"]
    assert post(lead_api, "/api/v1/rules/auto-tags", body).status_code == 403
    assert post(admin_api, "/api/v1/rules/auto-tags", {**body, "tag": "nope"}).status_code == 400
    assert lead_api.get("/api/v1/rules/auto-tags").json()[0]["tag"] == "passports"
    body["is_enabled"] = False
    assert (
        admin_api.put(f"/api/v1/rules/auto-tags/{pk}", body, content_type="application/json").status_code
        == 200
    )
    assert AutoTag.objects.get().is_enabled is False
    assert admin_api.delete(f"/api/v1/rules/auto-tags/{pk}").status_code == 200

    team = factories.TeamFactory(name="T")
    policy = {"team_id": team.pk, "method": "least_open", "sticky": True, "sticky_days": 14}
    assert (
        admin_api.put("/api/v1/rules/assignment", policy, content_type="application/json").status_code == 200
    )
    assert (
        lead_api.put("/api/v1/rules/assignment", policy, content_type="application/json").status_code == 403
    )
    bad = {**policy, "method": "dice"}
    assert admin_api.put("/api/v1/rules/assignment", bad, content_type="application/json").status_code == 400
    assert admin_api.get("/api/v1/rules/assignment").json() == [
        {"team_id": team.pk, "method": "least_open", "sticky": True, "sticky_days": 14}
    ]
    assert AssignmentPolicy.objects.count() == 1
