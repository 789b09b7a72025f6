"""/api/v1 notifications, preferences and broadcasts (OPS-13, DOC-3)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from parlons.accounts.services import create_token
from parlons.core.actors import SYSTEM
from parlons.notifications import services
from parlons.notifications.models import Broadcast, Notification

pytestmark = pytest.mark.django_db


def _api(user):
    _token, key = create_token(user, actor=SYSTEM)
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def test_my_notifications_and_mark_read_req_ops13(agent_user, other_agent):
    mine = Notification.objects.create(recipient=agent_user, kind="sla.breached", context={"ticket_id": 5})
    Notification.objects.create(recipient=other_agent, kind="reminder.due")
    client = _api(agent_user)
    data = client.get("/api/v1/notifications").json()
    assert data["unread"] == 1
    assert [i["id"] for i in data["items"]] == [mine.pk]
    assert data["items"][0]["title"] == "Ticket #5 missed its service standard"
    assert data["items"][0]["link"] == "/tickets/5/"
    response = client.post("/api/v1/notifications/read", {}, content_type="application/json")
    assert response.json() == {"marked": 1, "unread": 0}


def test_preferences_through_the_api_req_ops13(agent_user):
    client = _api(agent_user)
    until = (timezone.now() + timedelta(hours=1)).isoformat()
    response = client.put(
        "/api/v1/notifications/preferences",
        {"channels": {"note.mention": {"email": False, "desktop": True}}, "dnd_until": until},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["channels"]["note.mention"] == {"email": False, "desktop": True}
    assert data["channels"]["ticket.assigned"] == {"email": True, "desktop": True}
    assert data["dnd_until"] is not None
    bad = client.put(
        "/api/v1/notifications/preferences",
        {"channels": {"nonsense": {"email": True, "desktop": True}}},
        content_type="application/json",
    )
    assert bad.status_code == 400
    cleared = client.put(
        "/api/v1/notifications/preferences",
        {"clear_dnd": True, "muted": True},
        content_type="application/json",
    )
    assert cleared.json()["dnd_until"] is None and cleared.json()["muted"] is True
    assert services.preference_for(agent_user).muted is True


def test_broadcast_through_the_api_req_doc3(admin_user, agent_user):
    ends = (timezone.now() + timedelta(hours=2)).isoformat()
    refused = _api(agent_user).post(
        "/api/v1/broadcasts",
        {"kind": "problem", "message": "x", "ends_at": ends},
        content_type="application/json",
    )
    assert refused.status_code == 403
    client = _api(admin_user)
    soon = (timezone.now() + timedelta(hours=1)).isoformat()
    too_soon = client.post(
        "/api/v1/broadcasts",
        {"kind": "planned", "message": "Maintenance", "starts_at": soon, "ends_at": ends},
        content_type="application/json",
    )
    assert too_soon.status_code == 400 and "48 hours" in too_soon.json()["message"]
    created = client.post(
        "/api/v1/broadcasts",
        {"kind": "problem", "message": "Lenteurs", "ends_at": ends},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["recipients"] == 2
    assert [b["message"] for b in _api(agent_user).get("/api/v1/broadcasts").json()] == ["Lenteurs"]
    ended = client.post(f"/api/v1/broadcasts/{created.json()['id']}/end")
    assert ended.status_code == 200 and ended.json()["ended_at"]
    assert _api(agent_user).get("/api/v1/broadcasts").json() == []
    assert Broadcast.objects.count() == 1
