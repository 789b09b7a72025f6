"""Outgoing webhooks: events become signed deliveries, failures are retried then marked failed (OPS-2)."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from parlons.core.actors import SYSTEM
from parlons.core.errors import Forbidden, Invalid
from parlons.core.worker import run_pending_tasks
from parlons.integrations import services
from parlons.integrations.models import WebhookDelivery
from parlons.tickets import services as tickets
from tests import factories

pytestmark = pytest.mark.django_db


def _verify(secret: str, request: dict) -> bool:
    headers = {k.lower(): v for k, v in request["headers"].items()}
    expected = hmac.new(
        secret.encode(), headers["x-parlons-timestamp"].encode() + b"." + request["body"], hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(headers["x-parlons-signature"], f"sha256={expected}")


def test_a_new_ticket_reaches_a_following_endpoint_signed_req_ops2(
    admin_user, channel_group, receiver, committed_events
):
    endpoint, secret = services.create_webhook(
        actor=admin_user, name="Bot", url=receiver.url, events=["ticket.created"]
    )
    with committed_events():
        ticket = factories.ingest(channel_group, body="Bonjour, mon passeport?").ticket
    assert run_pending_tasks() >= 1
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert _verify(secret, request)
    assert not _verify("another secret entirely", request)
    body = json.loads(request["body"])
    assert body["event"] == "ticket.created"
    assert body["ticket"]["id"] == ticket.pk and body["ticket"]["status"] == ticket.status
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert body["id"] == str(delivery.delivery_id)
    assert {k.lower(): v for k, v in request["headers"].items()}["x-parlons-event"] == "ticket.created"
    assert delivery.status == "delivered" and delivery.attempts == 1 and delivery.last_status_code == 200


def test_an_endpoint_only_gets_the_events_it_follows_req_ops2(
    admin_user, channel_group, receiver, committed_events
):
    services.create_webhook(actor=admin_user, name="Notes only", url=receiver.url, events=["note.created"])
    off, _secret = services.create_webhook(actor=admin_user, name="Off", url=receiver.url)
    services.update_webhook(off, actor=admin_user, is_active=False)
    with committed_events():
        ticket = factories.ingest(channel_group).ticket
    with committed_events():
        tickets.add_note(ticket, "Vérifier le dossier", actor=admin_user)
    run_pending_tasks()
    assert [json.loads(r["body"])["event"] for r in receiver.requests] == ["note.created"]


def test_a_failing_receiver_is_retried_then_the_delivery_fails_req_ops2(admin_user, receiver):
    endpoint, _secret = services.create_webhook(actor=admin_user, name="Flaky", url=receiver.url)
    receiver.statuses = [500, 503, 500, 500, 500]
    delivery = services.queue_delivery(endpoint, "ping", {"event": "ping"})
    assert services.send_delivery(delivery.pk) == "pending"
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.last_status_code == 500 and delivery.next_attempt_at
    for _ in range(len(services.RETRY_DELAYS) - 1):
        assert services.send_delivery(delivery.pk) == "pending"
    assert services.send_delivery(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.attempts == len(services.RETRY_DELAYS) + 1 and delivery.last_error == "HTTP 500"
    # Sent again by hand: same delivery id, and this time it arrives.
    services.retry_delivery(delivery, actor=admin_user)
    assert services.send_delivery(delivery.pk) == "delivered"
    ids = {json.loads(r["body"])["id"] for r in receiver.requests}
    assert ids == {str(delivery.delivery_id)}


def test_an_unreachable_receiver_is_a_retryable_failure_req_ops2(admin_user):
    endpoint, _secret = services.create_webhook(actor=admin_user, name="Down", url="http://127.0.0.1:9/none")
    delivery = services.queue_delivery(endpoint, "ping", {})
    assert services.send_delivery(delivery.pk) == "pending"
    delivery.refresh_from_db()
    assert "ConnectError" in delivery.last_error and delivery.last_status_code is None


@pytest.mark.parametrize(
    "fields",
    [
        {"url": "ftp://example.org/x"},
        {"url": "https://user:pw@example.org/x"},
        {"events": ["ticket.exploded"]},
        {"name": "  "},
        {"secret": "short"},
    ],
)
def test_bad_webhook_settings_are_refused_req_ops2(admin_user, fields):
    args = {"name": "Hook", "url": "https://example.org/hook", **fields}
    with pytest.raises(Invalid):
        services.create_webhook(actor=admin_user, **args)


def test_only_administrators_manage_webhooks_req_adm4(agent_user, lead_user):
    for user in (agent_user, lead_user):
        with pytest.raises(Forbidden):
            services.create_webhook(actor=user, name="x", url="https://example.org/x")


def test_the_secret_is_stored_encrypted_and_can_be_rotated_req_ops2(admin_user):
    endpoint, secret = services.create_webhook(actor=admin_user, name="Hook", url="https://example.org/h")
    endpoint.refresh_from_db()
    assert secret not in endpoint.secret_encrypted
    new = services.rotate_webhook_secret(endpoint, actor=admin_user)
    endpoint.refresh_from_db()
    assert new != secret and services.webhook_secret(endpoint) == new


def test_rules_and_system_can_queue_deliveries_directly_req_ops2(admin_user, receiver):
    """The contract the rules engine uses (action "call an outgoing webhook")."""
    endpoint, _ = services.create_webhook(actor=admin_user, name="Rules", url=receiver.url)
    services.queue_delivery(endpoint, "rule.fired", {"event": "rule.fired", "data": {"rule": "Urgent"}})
    run_pending_tasks()
    assert json.loads(receiver.requests[0]["body"])["data"] == {"rule": "Urgent"}


def test_system_actor_passes_admin_checks():
    endpoint, _ = services.create_webhook(actor=SYSTEM, name="Sys", url="https://example.org/h")
    assert endpoint.created_by is None
