"""/healthz reports the database and the task workers; monitoring reads it (DOC-4)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from parlons.core.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def beat(seconds_ago: float = 0, worker_id: str = "worker-1") -> WorkerHeartbeat:
    now = timezone.now()
    return WorkerHeartbeat.objects.create(
        worker_id=worker_id,
        hostname="test-host",
        pid=1234,
        started_at=now - timedelta(hours=1),
        seen_at=now - timedelta(seconds=seconds_ago),
    )


def test_unhealthy_without_a_worker_req_doc4(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    data = response.json()
    assert data["status"] == "error"
    assert data["database"]["status"] == "ok"
    assert data["worker"] == {"status": "error", "alive": 0, "tasks_waiting": 0}


def test_healthy_with_a_recent_worker_heartbeat_req_doc4(client):
    beat()
    response = client.get("/healthz")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "ok"
    assert data["database"]["status"] == "ok"
    assert data["database"]["vendor"] in {"sqlite", "postgresql"}
    assert data["worker"]["status"] == "ok"
    assert data["worker"]["alive"] == 1
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_stale_heartbeat_is_a_dead_worker_req_doc4(client, settings):
    settings.WORKER_HEARTBEAT_STALE_SECONDS = 60
    beat(seconds_ago=120)
    assert client.get("/healthz").status_code == 503
    beat(seconds_ago=1, worker_id="worker-2")
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["worker"]["alive"] == 1


def test_waiting_tasks_are_reported(client, channel_group):
    from parlons.connectors.services import store_inbound

    beat()
    store_inbound("api", "d-1", "{}", channel_group=channel_group)
    assert client.get("/healthz").json()["worker"]["tasks_waiting"] == 1


def test_healthz_needs_no_sign_in_and_only_answers_get(client):
    beat()
    assert client.get("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
