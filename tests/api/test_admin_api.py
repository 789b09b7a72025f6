"""Catalogue and administration endpoints: tags, tag groups, lines of business, trackers, users, teams, roles,
channel groups, tokens and the audit trail (ADM-3, ADM-4, ADM-6, ADM-7, ADM-8, ENV-3, OPS-16, OPS-18)."""

import pytest
from django.test import Client

from parlons.accounts.models import ApiToken, SecurityEvent, User
from parlons.core.crypto import decrypt_json
from parlons.tickets.models import ChannelGroup, Tag, TicketEvent
from tests.api.conftest import open_ticket

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_tag_lifecycle_req_adm8_ops16_srch7(lead_api, agent_api, api_group):
    lob = lead_api.post(
        "/api/v1/lines-of-business", {"name_en": "Immigration", "name_fr": "Immigration"}, content_type=JSON
    )
    assert lob.status_code == 201, lob.content
    group = lead_api.post(
        "/api/v1/tag-groups",
        {"name_en": "Permits", "name_fr": "Permis", "line_of_business_id": lob.json()["id"]},
        content_type=JSON,
    )
    sub = lead_api.post(
        "/api/v1/tag-groups",
        {"name_en": "Study permits", "name_fr": "Permis d'études", "parent_id": group.json()["id"]},
        content_type=JSON,
    )
    assert sub.status_code == 201 and sub.json()["line_of_business_id"] == lob.json()["id"]
    r = agent_api.post(
        "/api/v1/tags",
        {"name_en": "Study permit", "name_fr": "Permis d'études", "group_id": sub.json()["id"]},
        content_type=JSON,
    )
    assert r.status_code == 201, r.content
    tag = r.json()
    assert tag["slug"] == "study-permit" and tag["line_of_business_id"] == lob.json()["id"]
    dup = agent_api.post("/api/v1/tags", {"name_en": "Study permit", "name_fr": "x"}, content_type=JSON)
    assert dup.status_code == 409 and dup.json()["code"] == "duplicate"
    assert (
        agent_api.post(
            "/api/v1/tags", {"name_en": "Only English", "name_fr": " "}, content_type=JSON
        ).status_code
        == 400
    )
    # agents may not rename, archive or delete (ADM-5 "manage")
    assert (
        agent_api.patch(f"/api/v1/tags/{tag['id']}", {"name_en": "X"}, content_type=JSON).status_code == 403
    )
    r = lead_api.patch(
        f"/api/v1/tags/{tag['id']}", {"name_en": "Study permits", "is_archived": True}, content_type=JSON
    )
    assert r.status_code == 200 and r.json()["name_en"] == "Study permits" and r.json()["is_archived"]
    assert all(t["id"] != tag["id"] for t in agent_api.get("/api/v1/tags").json())
    assert any(t["id"] == tag["id"] for t in agent_api.get("/api/v1/tags?include_archived=true").json())
    lead_api.patch(f"/api/v1/tags/{tag['id']}", {"is_archived": False}, content_type=JSON)
    ticket_id = open_ticket(agent_api, api_group).json()["id"]
    agent_api.post(f"/api/v1/tickets/{ticket_id}/tags", {"tags": [tag["slug"]]}, content_type=JSON)
    r = lead_api.delete(f"/api/v1/tags/{tag['id']}")
    assert r.status_code == 409 and r.json()["code"] == "tag_in_use" and r.json()["details"]["tickets"] == 1
    assert Tag.objects.filter(pk=tag["id"]).exists()
    r = lead_api.delete(f"/api/v1/tags/{tag['id']}?confirm=true")
    assert r.status_code == 200 and r.json()["tickets_affected"] == 1
    history = agent_api.get(f"/api/v1/tickets/{ticket_id}").json()["history"]
    assert history[-1]["kind"] == "tags.removed"
    assert "Study permits" in history[-1]["text"]


def test_trackers_req_ops18(lead_api, agent_api, api_group):
    ids = [open_ticket(agent_api, api_group, contact=f"t{i}").json()["id"] for i in range(2)]
    assert (
        agent_api.post("/api/v1/trackers", {"name": "Passport outage"}, content_type=JSON).status_code == 403
    )
    tracker = lead_api.post("/api/v1/trackers", {"name": "Passport outage"}, content_type=JSON).json()
    r = agent_api.post(f"/api/v1/trackers/{tracker['id']}/tickets", {"ticket_ids": ids}, content_type=JSON)
    assert r.status_code == 200 and r.json()["updated"] == ids
    listed = agent_api.get("/api/v1/trackers").json()
    assert listed[0]["ticket_count"] == 2
    assert [
        t["id"]
        for t in agent_api.get(f"/api/v1/tickets?tracker={tracker['id']}&order=created").json()["items"]
    ] == ids
    assert agent_api.delete(f"/api/v1/trackers/{tracker['id']}/tickets/{ids[0]}").status_code == 200
    assert (
        lead_api.patch(f"/api/v1/trackers/{tracker['id']}", {"name": "Passports"}, content_type=JSON).json()[
            "name"
        ]
        == "Passports"
    )
    assert lead_api.delete(f"/api/v1/trackers/{tracker['id']}").status_code == 200


def test_users_teams_roles_req_adm3_adm6_adm7(admin_api, agent_api):
    r = admin_api.post("/api/v1/teams", {"name": "Passeports"}, content_type=JSON)
    assert r.status_code == 201, r.content
    team = r.json()
    r = admin_api.post(
        "/api/v1/users",
        {
            "username": "mgagnon",
            "first_name": "Marie",
            "last_name": "Gagnon",
            "email": "marie@example.gc.ca",
            "language": "fr",
            "password": "Un-mot-de-passe-solide-2026",
            "team_ids": [team["id"]],
        },
        content_type=JSON,
    )
    assert r.status_code == 201, r.content
    user = r.json()
    assert user["language"] == "fr" and user["permissions"] == [] and user["teams"][0]["name"] == "Passeports"
    weak = admin_api.post("/api/v1/users", {"username": "weak", "password": "123"}, content_type=JSON)
    assert weak.status_code == 400 and weak.json()["code"] == "weak_password"
    assert admin_api.post("/api/v1/users", {"username": "MGagnon"}, content_type=JSON).status_code == 409
    # a role granted to the team reaches its members (ADM-3)
    r = admin_api.post(f"/api/v1/teams/{team['id']}/roles", {"role": "agent"}, content_type=JSON)
    assert r.status_code == 200 and r.json()["roles"] == ["agent"]
    assert admin_api.get(f"/api/v1/users/{user['id']}").json()["permissions"] == [
        "tickets.publish",
        "tickets.read",
        "tickets.write",
    ]
    r = admin_api.post(f"/api/v1/users/{user['id']}/roles", {"role": "analyst"}, content_type=JSON)
    assert "reports.view" in r.json()["permissions"]
    r = admin_api.delete(f"/api/v1/users/{user['id']}/roles/analyst")
    assert "reports.view" not in r.json()["permissions"]
    assert (
        admin_api.post(f"/api/v1/users/{user['id']}/roles", {"role": "nope"}, content_type=JSON).status_code
        == 400
    )
    r = admin_api.patch(
        f"/api/v1/users/{user['id']}", {"language": "en", "first_name": "Marie-Ève"}, content_type=JSON
    )
    assert r.json()["language"] == "en" and r.json()["first_name"] == "Marie-Ève"
    # non-administrators are refused and nothing changes (ADM-4)
    assert agent_api.post("/api/v1/users", {"username": "x"}, content_type=JSON).status_code == 403
    assert agent_api.post("/api/v1/teams", {"name": "x"}, content_type=JSON).status_code == 403
    assert (
        agent_api.post(f"/api/v1/teams/{team['id']}/roles", {"role": "admin"}, content_type=JSON).status_code
        == 403
    )
    assert (
        agent_api.patch(f"/api/v1/users/{user['id']}", {"email": "x@y.z"}, content_type=JSON).status_code
        == 403
    )
    assert not User.objects.filter(username="x").exists()
    r = admin_api.post(
        "/api/v1/roles",
        {
            "slug": "auditor",
            "name_en": "Auditor",
            "name_fr": "Vérificateur",
            "permissions": ["tickets.read", "system.admin"],
        },
        content_type=JSON,
    )
    assert r.status_code == 201
    bad = admin_api.post(
        "/api/v1/roles",
        {"slug": "bad", "name_en": "B", "name_fr": "B", "permissions": ["everything"]},
        content_type=JSON,
    )
    assert bad.status_code == 400


def test_lock_user_revokes_tokens_and_is_audited_req_env3(admin_api, make_api_user):
    target = make_api_user("agent", username="target")
    assert target.get("/api/v1/me").status_code == 200
    r = admin_api.post(f"/api/v1/users/{target.user.pk}/lock", {"reason": "compromised"}, content_type=JSON)
    assert r.status_code == 200 and r.json()["is_active"] is False and r.json()["locked_at"]
    assert target.get("/api/v1/me").status_code == 401
    assert ApiToken.objects.filter(user=target.user, revoked_at__isnull=True).count() == 0
    assert admin_api.post(f"/api/v1/users/{admin_api.user.pk}/lock", {}, content_type=JSON).status_code == 400
    events = admin_api.get("/api/v1/security-events?kind=user.locked").json()
    assert events[0]["target_user_id"] == target.user.pk and events[0]["severity"] == "warning"
    assert target.get("/api/v1/security-events").status_code == 401
    r = admin_api.post(f"/api/v1/users/{target.user.pk}/unlock", content_type=JSON)
    assert r.json()["is_active"] is True


def test_audit_trail_needs_admin_req_env3(agent_api):
    assert agent_api.get("/api/v1/security-events").status_code == 403


def test_channel_groups_credentials_are_write_only(admin_api, agent_api):
    r = admin_api.post(
        "/api/v1/channel-groups",
        {
            "platform": "whatsapp",
            "name": "IRCC WhatsApp",
            "external_id": "106540352242922",
            "credentials": {"access_token": "EAAG-secret"},
        },
        content_type=JSON,
    )
    assert r.status_code == 201, r.content
    group = r.json()
    assert group["has_credentials"] and "credentials" not in group
    assert "EAAG-secret" not in r.content.decode()
    stored = ChannelGroup.objects.get(pk=group["id"])
    assert "EAAG-secret" not in stored.credentials_encrypted
    assert decrypt_json(stored.credentials_encrypted) == {"access_token": "EAAG-secret"}
    listed = agent_api.get("/api/v1/channel-groups").content.decode()
    assert "EAAG-secret" not in listed and "credentials_encrypted" not in listed
    dup = admin_api.post(
        "/api/v1/channel-groups",
        {"platform": "whatsapp", "name": "Other", "external_id": "106540352242922"},
        content_type=JSON,
    )
    assert dup.status_code == 409
    assert (
        admin_api.post(
            "/api/v1/channel-groups", {"platform": "myspace", "name": "x"}, content_type=JSON
        ).status_code
        == 400
    )
    assert (
        agent_api.post(
            "/api/v1/channel-groups", {"platform": "x", "name": "x"}, content_type=JSON
        ).status_code
        == 403
    )
    r = admin_api.patch(
        f"/api/v1/channel-groups/{group['id']}",
        {"name": "WhatsApp IRCC", "is_active": False},
        content_type=JSON,
    )
    assert r.json()["name"] == "WhatsApp IRCC" and r.json()["is_active"] is False
    assert admin_api.delete(f"/api/v1/channel-groups/{group['id']}").status_code == 200


def test_channel_group_with_tickets_cannot_be_deleted(admin_api, agent_api, api_group):
    open_ticket(agent_api, api_group)
    r = admin_api.delete(f"/api/v1/channel-groups/{api_group.pk}")
    assert r.status_code == 409 and r.json()["code"] == "group_in_use"


def test_tokens_for_self_and_for_a_bot(admin_api, agent_api):
    r = agent_api.post("/api/v1/tokens", {"name": "script", "scopes": ["tickets.read"]}, content_type=JSON)
    assert r.status_code == 201
    key = r.json()["token"]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/v1/me").json()["username"] == agent_api.user.username
    assert (
        agent_api.post("/api/v1/tokens", {"scopes": ["system.admin"]}, content_type=JSON).status_code == 403
    )
    bot = admin_api.post(
        "/api/v1/users", {"username": "chatbot", "is_bot": True, "roles": ["agent"]}, content_type=JSON
    ).json()
    r = admin_api.post(
        "/api/v1/tokens",
        {"user_id": bot["id"], "scopes": ["tickets.read", "tickets.write"]},
        content_type=JSON,
    )
    assert r.status_code == 201 and r.json()["scopes"] == ["tickets.read", "tickets.write"]
    assert agent_api.post("/api/v1/tokens", {"user_id": bot["id"]}, content_type=JSON).status_code == 403
    assert SecurityEvent.objects.filter(kind="token.created").count() >= 2


def test_session_auth_needs_csrf(agent_api, api_group):
    user = agent_api.user
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    assert browser.get("/api/v1/me").status_code == 200
    r = browser.post(
        "/api/v1/tickets",
        {"channel_group": api_group.pk, "contact": {"id": "c"}, "body": "x"},
        content_type=JSON,
    )
    assert r.status_code == 403
    assert TicketEvent.objects.count() == 0


def test_group_sets_spread_across_channels_req_ops1(admin_api, agent_api, api_group, fb_group):
    r = admin_api.post(
        "/api/v1/group-sets",
        {"name_en": "Passports", "name_fr": "Passeports", "channel_groups": [api_group.pk, fb_group.pk]},
        content_type=JSON,
    )
    assert r.status_code == 201, r.content
    group_set = r.json()
    assert group_set["channel_groups"] == sorted([api_group.pk, fb_group.pk])
    assert (
        agent_api.post("/api/v1/group-sets", {"name_en": "x", "name_fr": "x"}, content_type=JSON).status_code
        == 403
    )
    bad = admin_api.post(
        "/api/v1/group-sets", {"name_en": "x", "name_fr": "x", "channel_groups": [999999]}, content_type=JSON
    )
    assert bad.status_code == 400
    in_set = open_ticket(agent_api, api_group).json()["id"]
    r = admin_api.patch(
        f"/api/v1/group-sets/{group_set['id']}", {"channel_groups": [api_group.pk]}, content_type=JSON
    )
    assert r.json()["channel_groups"] == [api_group.pk]
    listed = agent_api.get("/api/v1/tickets", {"group_set": group_set["id"]}).json()["items"]
    assert [t["id"] for t in listed] == [in_set]
    assert admin_api.delete(f"/api/v1/group-sets/{group_set['id']}").status_code == 200
