"""Creating a webhook that is not active yet is one service call (issue 14 item 4): no moment when it exists
and is active, one audit entry, and nothing written when a step of the change fails."""

from __future__ import annotations

import pytest

from parlons.accounts.models import SecurityEvent
from parlons.core.errors import Invalid
from parlons.integrations import services
from parlons.integrations.models import WebhookEndpoint

pytestmark = pytest.mark.django_db
FORM = {"name": "Robot", "url": "https://bot.example.gc.ca/hook", "events": ["ticket.created"]}


def test_an_inactive_webhook_is_created_inactive_in_one_change_req_ops2(admin_client):
    response = admin_client.post("/admin/webhooks/", FORM)  # "Active" not ticked
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302 and not endpoint.is_active
    kinds = list(SecurityEvent.objects.filter(kind__startswith="webhook.").values_list("kind", flat=True))
    assert kinds == ["webhook.created"]


def test_a_webhook_is_created_whole_or_not_at_all_req_ops2(admin_client, monkeypatch):
    real = services.record_security_event

    def record(kind, **kwargs):
        if kind.startswith("webhook."):
            raise Invalid("The audit trail is full.")
        return real(kind, **kwargs)

    monkeypatch.setattr(services, "record_security_event", record)
    response = admin_client.post("/admin/webhooks/", FORM)
    assert response.status_code == 400 and "The audit trail is full." in response.content.decode()
    assert not WebhookEndpoint.objects.exists()
