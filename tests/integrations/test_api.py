"""/api/v1/webhooks: administrators manage outgoing webhooks; the secret is shown once (OPS-2)."""

from __future__ import annotations

import pytest

from parlons.integrations.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def test_admin_manages_webhooks_through_the_api_req_ops2_env9(admin_client, receiver):
    created = admin_client.post(
        "/api/v1/webhooks",
        {"name": "Tableau de bord", "url": receiver.url, "events": ["ticket.created", "ticket.updated"]},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert len(body["secret"]) >= 16
    hook_id = body["id"]
    fetched = admin_client.get(f"/api/v1/webhooks/{hook_id}").json()
    assert "secret" not in fetched and fetched["events"] == ["ticket.created", "ticket.updated"]
    patched = admin_client.patch(
        f"/api/v1/webhooks/{hook_id}", {"is_active": False}, content_type="application/json"
    )
    assert patched.json()["is_active"] is False
    rotated = admin_client.post(f"/api/v1/webhooks/{hook_id}/secret").json()["secret"]
    assert rotated != body["secret"]
    admin_client.patch(f"/api/v1/webhooks/{hook_id}", {"is_active": True}, content_type="application/json")
    assert admin_client.post(f"/api/v1/webhooks/{hook_id}/ping").status_code == 202
    deliveries = admin_client.get(f"/api/v1/webhooks/{hook_id}/deliveries").json()
    assert [d["event_type"] for d in deliveries] == ["ping"]
    assert admin_client.delete(f"/api/v1/webhooks/{hook_id}").json() == {
        "deleted": True,
        "tickets_affected": 0,
    }
    assert not WebhookEndpoint.objects.exists() and not WebhookDelivery.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"name": "x", "url": "javascript:alert(1)"},
        {"name": "x", "url": "https://example.org", "events": ["nope"]},
        {"url": "https://example.org"},
    ],
)
def test_bad_webhooks_are_400_with_a_message_req_ops2(admin_client, payload):
    response = admin_client.post("/api/v1/webhooks", payload, content_type="application/json")
    assert response.status_code == 400 and response.json()["message"]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("who", ["agent_user", "lead_user", "reader_user"])
def test_webhooks_are_for_administrators_only_req_adm4(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/api/v1/webhooks").status_code == 403
    response = client.post(
        "/api/v1/webhooks", {"name": "x", "url": "https://example.org"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not WebhookEndpoint.objects.exists()


def test_retry_of_a_delivery_that_did_not_fail_is_400(admin_client, admin_user):
    from parlons.integrations import services

    endpoint, _ = services.create_webhook(actor=admin_user, name="h", url="https://example.org/h")
    delivery = services.queue_delivery(endpoint, "ping", {})
    response = admin_client.post(f"/api/v1/webhooks/{endpoint.pk}/deliveries/{delivery.pk}/retry")
    assert response.status_code == 400
