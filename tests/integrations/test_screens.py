"""The outgoing-webhook administration screens (OPS-2): permission, forms, secret shown once, actions."""

from __future__ import annotations

import pytest

from parlons.integrations import services
from parlons.integrations.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def test_admin_creates_a_webhook_and_sees_the_secret_once_req_ops2(admin_client):
    response = admin_client.post(
        "/admin/webhooks/",
        {
            "name": "Robot",
            "url": "https://bot.example.gc.ca/hook",
            "events": ["ticket.created"],
            "is_active": "on",
        },
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/admin/webhooks/{endpoint.pk}/"
    first = admin_client.get(response["Location"]).content.decode()
    secret = services.webhook_secret(endpoint)
    assert secret in first
    assert secret not in admin_client.get(response["Location"]).content.decode()
    assert endpoint.events == ["ticket.created"] and endpoint.is_active


def test_a_bad_address_is_a_form_error_in_french_req_ops2_ui6(client, admin_user):
    admin_user.language = "fr"
    admin_user.save()
    client.force_login(admin_user)
    response = client.post("/admin/webhooks/", {"name": "Robot", "url": "ftp://x.example/h"})
    assert response.status_code == 400
    assert "Entrez une adresse http ou https." in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("who", ["agent_user", "lead_user"])
def test_webhook_screens_are_for_administrators_req_adm4(client, request, who, admin_user):
    endpoint, _ = services.create_webhook(actor=admin_user, name="h", url="https://example.org/h")
    client.force_login(request.getfixturevalue(who))
    assert client.get("/admin/webhooks/").status_code == 403
    assert client.get(f"/admin/webhooks/{endpoint.pk}/").status_code == 403
    assert client.post(f"/admin/webhooks/{endpoint.pk}/action/", {"action": "delete"}).status_code == 403
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_page_actions_ping_retry_rotate_delete_req_ops2(admin_client, admin_user):
    endpoint, secret = services.create_webhook(actor=admin_user, name="h", url="https://example.org/h")
    url = f"/admin/webhooks/{endpoint.pk}/action/"
    admin_client.post(url, {"action": "ping"})
    assert WebhookDelivery.objects.filter(endpoint=endpoint, event_type="ping").count() == 1
    failed = services.queue_delivery(endpoint, "ping", {})
    WebhookDelivery.objects.filter(pk=failed.pk).update(status="failed")
    page = admin_client.get(f"/admin/webhooks/{endpoint.pk}/").content.decode()
    assert "Send again" in page
    admin_client.post(url, {"action": "retry", "delivery": failed.pk})
    failed.refresh_from_db()
    assert failed.status == "pending"
    admin_client.post(url, {"action": "rotate"})
    endpoint.refresh_from_db()
    assert services.webhook_secret(endpoint) != secret
    response = admin_client.post(url, {"action": "delete"})
    assert response.status_code == 302 and not WebhookEndpoint.objects.exists()
