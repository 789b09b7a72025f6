"""The reminders and service-standard endpoints of the API (OPS-7, OPS-8): validation, permissions, scopes."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from parlons.accounts.services import create_token
from parlons.core.actors import SYSTEM
from parlons.sla.models import Reminder, SlaPolicy
from parlons.sla.services import sync_ticket

pytestmark = pytest.mark.django_db
JSON = "application/json"


def client_for(user, scopes=None) -> Client:
    _token, key = create_token(user, actor=SYSTEM, scopes=scopes)
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def test_create_list_and_cancel_a_reminder_req_ops7(ticket, agent_user):
    api = client_for(agent_user)
    url = f"/api/v1/tickets/{ticket.pk}/reminders"
    r = api.post(url, {"in_minutes": 2880, "note": "Rappeler la cliente"}, content_type=JSON)
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["state"] == "pending" and data["note"] == "Rappeler la cliente"
    reminder = Reminder.objects.get(pk=data["id"])
    assert reminder.user == agent_user
    assert abs((reminder.remind_at - timezone.now()) - timedelta(days=2)) < timedelta(minutes=1)
    assert [x["id"] for x in api.get(url).json()] == [data["id"]]
    assert [x["id"] for x in api.get("/api/v1/reminders").json()] == [data["id"]]
    r = api.delete(f"{url}/{data['id']}")
    assert r.status_code == 200 and r.json()["state"] == "cancelled"
    assert api.get("/api/v1/reminders").json() == []
    assert api.delete(f"{url}/{data['id']}").status_code == 400  # already cancelled


def test_reminder_at_a_time_req_ops7(ticket, agent_user):
    at = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    r = client_for(agent_user).post(
        f"/api/v1/tickets/{ticket.pk}/reminders", {"remind_at": at.isoformat()}, content_type=JSON
    )
    assert r.status_code == 201, r.content
    assert Reminder.objects.get().remind_at == at


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"in_minutes": 0},
        {"in_minutes": 10, "remind_at": "2030-01-01T10:00:00+00:00"},
        {"remind_at": "2001-01-01T10:00:00+00:00"},
        {"remind_at": "not a date"},
        {"remind_at": "2030-01-01T10:00:00"},
        {"in_minutes": 10, "note": "x" * 501},
        {"in_minutes": "soon"},
    ],
)
def test_reminder_validation_is_a_clear_400_req_ops7(ticket, agent_user, body):
    r = client_for(agent_user).post(f"/api/v1/tickets/{ticket.pk}/reminders", body, content_type=JSON)
    assert r.status_code == 400, r.content
    assert r.json()["message"]
    assert Reminder.objects.count() == 0


def test_reminder_permissions_req_ops7(ticket, agent_user, reader_user, other_agent):
    url = f"/api/v1/tickets/{ticket.pk}/reminders"
    assert client_for(reader_user).post(url, {"in_minutes": 5}, content_type=JSON).status_code == 403
    # A token without tickets.write cannot set reminders even for an agent.
    narrow = client_for(agent_user, scopes=["tickets.read"])
    assert narrow.post(url, {"in_minutes": 5}, content_type=JSON).status_code == 403
    r = client_for(agent_user).post(url, {"in_minutes": 5}, content_type=JSON)
    rid = r.json()["id"]
    # Someone else's reminder is invisible and cannot be cancelled.
    other = client_for(other_agent)
    assert other.get(url).json() == []
    assert other.delete(f"{url}/{rid}").status_code == 404
    assert (
        client_for(agent_user)
        .post("/api/v1/tickets/999999/reminders", {"in_minutes": 5}, content_type=JSON)
        .status_code
        == 404
    )
    assert Client().get(url).status_code == 401


def test_ticket_sla_endpoint_req_ops8(ticket, agent_user):
    sync_ticket(ticket.pk)
    r = client_for(agent_user).get(f"/api/v1/tickets/{ticket.pk}/sla")
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["policy"] == "Standard"
    assert [t["target"] for t in data["targets"]] == ["first_response", "resolution"]
    assert data["targets"][0]["state"] in ("due", "at_risk")


def test_policies_api_needs_admin_req_ops7(admin_user, agent_user, channel_group):
    body = {
        "name": "Urgent",
        "priority": "urgent",
        "channel_group_id": channel_group.pk,
        "first_response_minutes": 30,
        "resolution_minutes": 240,
        "business_hours": False,
    }
    assert client_for(agent_user).post("/api/v1/sla/policies", body, content_type=JSON).status_code == 403
    assert client_for(agent_user).get("/api/v1/sla/policies").status_code == 403
    admin = client_for(admin_user)
    r = admin.post("/api/v1/sla/policies", body, content_type=JSON)
    assert r.status_code == 201, r.content
    pid = r.json()["id"]
    assert SlaPolicy.objects.get(pk=pid).channel_group == channel_group
    bad = admin.post("/api/v1/sla/policies", {**body, "first_response_minutes": -5}, content_type=JSON)
    assert bad.status_code == 400
    bad = admin.post("/api/v1/sla/policies", {**body, "channel_group_id": 987654}, content_type=JSON)
    assert bad.status_code == 400 and bad.json()["details"]["field"] == "channel_group_id"
    r = admin.put(f"/api/v1/sla/policies/{pid}", {**body, "name": "Très urgent"}, content_type=JSON)
    assert r.status_code == 200 and r.json()["name"] == "Très urgent"
    assert admin.delete(f"/api/v1/sla/policies/{pid}").status_code == 204
    assert admin.delete(f"/api/v1/sla/policies/{pid}").status_code == 404


def test_holidays_api_req_ops7(admin_user, agent_user):
    admin = client_for(admin_user)
    body = {"date": "2026-12-25", "name_en": "Christmas Day", "name_fr": "Noël"}
    assert client_for(agent_user).post("/api/v1/sla/holidays", body, content_type=JSON).status_code == 403
    r = admin.post("/api/v1/sla/holidays", body, content_type=JSON)
    assert r.status_code == 201
    assert admin.post("/api/v1/sla/holidays", body, content_type=JSON).status_code == 400
    assert [h["name_fr"] for h in admin.get("/api/v1/sla/holidays").json()] == ["Noël"]
    assert admin.delete(f"/api/v1/sla/holidays/{r.json()['id']}").status_code == 204
