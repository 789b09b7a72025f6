"""The durable edges: a delivery is stored once before it is acknowledged and processed into tickets by the
worker; a bad delivery fails visibly without half-written data; replies go through the outbound queue
(OPS-9, ENV-9, OPS-10)."""

from __future__ import annotations

import json

import pytest
from django_tasks_db.models import DBTaskResult

from parlons.connectors import base as connectors_base
from parlons.connectors.base import SendError, SendResult
from parlons.connectors.models import InboundEvent, OutboundMessage
from parlons.connectors.services import process_inbound, send_outbound, store_inbound
from parlons.core.worker import run_pending_tasks
from parlons.tickets.models import Contact, ContactIdentity, Message, Ticket, TicketEvent
from parlons.tickets.services import reply
from tests import factories

pytestmark = pytest.mark.django_db


def body(**overrides) -> str:
    data = {
        "id": "bot-msg-1",
        "sender": {"id": "visitor-7", "handle": "visiteur7", "name": "Zoé Gagnon", "profile": {"lang": "fr"}},
        "body": "Bonjour! Je voudrais parler à un agent.",
        "conversation": "chat-42",
        "subject": "Transfert du robot conversationnel",
        "language": "fr",
        "created_at": "2026-03-01T14:30:00+00:00",
    }
    data.update(overrides)
    return json.dumps(data)


def ingest_tasks():
    return DBTaskResult.objects.filter(task_path="parlons.connectors.tasks.process_inbound_event")


def domain_rows():
    return {
        model.__name__: model.objects.count()
        for model in (Contact, ContactIdentity, Ticket, Message, TicketEvent)
    }


def test_a_delivery_is_stored_once_and_queued_once_req_ops9(channel_group):
    event, created = store_inbound(
        "api", "delivery-1", body(), headers={"X-Test": "1"}, channel_group=channel_group
    )
    assert created is True
    assert (event.platform, event.external_id, event.state, event.attempts) == (
        "api",
        "delivery-1",
        "pending",
        0,
    )
    assert event.headers == {"X-Test": "1"}
    assert event.body == body()

    again, created_again = store_inbound(
        "api", "delivery-1", body(body="changed"), channel_group=channel_group
    )
    assert (again.pk, created_again) == (event.pk, False)
    assert InboundEvent.objects.count() == 1
    assert InboundEvent.objects.get().body == body()
    (task,) = ingest_tasks()
    assert (task.queue_name, task.status, task.args_kwargs["args"]) == ("ingest", "READY", [event.pk])


def test_the_worker_turns_a_stored_delivery_into_a_ticket_req_ops9_env9(channel_group):
    event, _created = store_inbound("api", "delivery-1", body(), channel_group=channel_group)
    assert run_pending_tasks() == 1

    event.refresh_from_db()
    assert (event.state, event.attempts, event.error) == ("done", 1, "")
    assert event.processed_at is not None
    ticket = Ticket.objects.get()
    assert (ticket.subject, ticket.language, ticket.conversation_key) == (
        "Transfert du robot conversationnel",
        "fr",
        "chat-42",
    )
    assert ticket.created_at.isoformat() == "2026-03-01T14:30:00+00:00"
    message = ticket.messages.get()
    assert (message.external_id, message.body, message.kind) == (
        "bot-msg-1",
        "Bonjour! Je voudrais parler à un agent.",
        "message",
    )
    identity = ContactIdentity.objects.get()
    assert (identity.external_id, identity.handle, identity.display_name, identity.profile) == (
        "visitor-7",
        "visiteur7",
        "Zoé Gagnon",
        {"lang": "fr"},
    )
    assert [(e.kind, e.actor_id, e.via) for e in TicketEvent.objects.all()] == [
        ("ticket.created", None, "ingest")
    ]
    assert ingest_tasks().get().status == "SUCCESSFUL"
    assert ingest_tasks().get().return_value == [ticket.pk]


def test_the_group_can_be_named_in_the_body(channel_group):
    """Without a group on the stored event, the body names the group by its platform id."""
    store_inbound("api", "delivery-1", body(channel_group="passports-api"))
    run_pending_tasks()
    assert Ticket.objects.get().channel_group == channel_group


def test_phone_calls_are_logged_as_calls(db):
    group = factories.ChannelGroupFactory(platform="phone", name="1-800")
    store_inbound("phone", "call-1", body(kind=None), channel_group=group)
    run_pending_tasks()
    assert Ticket.objects.get().kind == "call"


def test_processing_twice_changes_nothing_req_ops9(channel_group):
    event, _created = store_inbound("api", "delivery-1", body(), channel_group=channel_group)
    run_pending_tasks()
    before = domain_rows()
    assert process_inbound(event.pk) == []
    event.refresh_from_db()
    assert (event.state, event.attempts) == ("done", 1)
    assert domain_rows() == before
    # The same message in another delivery is a duplicate too.
    store_inbound("api", "delivery-2", body(), channel_group=channel_group)
    run_pending_tasks()
    assert domain_rows() == before


@pytest.mark.parametrize(
    "raw",
    [
        "this is not json",
        json.dumps([1, 2, 3]),
        json.dumps({"body": "no sender"}),
        json.dumps({"sender": "just-a-string", "body": "x"}),
        body(channel_group="no-such-page"),
        body(kind="carrier-pigeon"),
        body(sender={"id": "", "name": "Nobody"}),
    ],
    ids=[
        "not-json",
        "a-list",
        "no-sender",
        "sender-not-an-object",
        "unknown-group",
        "bad-kind",
        "empty-sender-id",
    ],
)
def test_a_bad_delivery_fails_visibly_and_writes_nothing_req_ops9(raw):
    group = factories.ChannelGroupFactory(external_id="passports-api")
    # no group on the event for the unknown-group case; the others name it
    event, _created = store_inbound(
        "api", "bad-1", raw, channel_group=None if "no-such-page" in raw else group
    )

    assert run_pending_tasks() == 1

    event.refresh_from_db()
    assert event.state == "failed"
    assert event.error
    assert event.attempts == 1
    assert event.processed_at is not None
    assert domain_rows() == {"Contact": 0, "ContactIdentity": 0, "Ticket": 0, "Message": 0, "TicketEvent": 0}
    # The task itself ended normally: a bad delivery is recorded, not an error of the worker.
    assert ingest_tasks().get().status == "SUCCESSFUL"


@pytest.mark.parametrize(
    "overrides",
    [
        {"sender": {"id": "v-1", "name": "N" * 250}},
        {"sender": {"id": "v-1", "handle": "h" * 300}},
        {"conversation": "c" * 300},
        {"id": "m" * 300},
    ],
    ids=["long-name", "long-handle", "long-conversation", "long-message-id"],
)
def test_an_over_long_field_never_leaves_a_delivery_pending_req_ops9(channel_group, overrides):
    """Whatever the body holds, the delivery ends done or failed with its error (on every database), and the
    worker does not crash on it."""
    event, _created = store_inbound("api", "long-1", body(**overrides), channel_group=channel_group)
    run_pending_tasks()
    event.refresh_from_db()
    assert event.state in {"done", "failed"}
    assert ingest_tasks().get().status == "SUCCESSFUL"
    if event.state == "failed":
        assert event.error
        assert domain_rows() == {
            "Contact": 0,
            "ContactIdentity": 0,
            "Ticket": 0,
            "Message": 0,
            "TicketEvent": 0,
        }
    else:
        assert Ticket.objects.count() == 1


def test_a_delivery_for_a_platform_without_connector_fails_visibly(monkeypatch, db):
    monkeypatch.delitem(connectors_base._registry, "whatsapp", raising=False)
    event, _created = store_inbound("whatsapp", "wamid.1", "{}")
    run_pending_tasks()
    event.refresh_from_db()
    assert event.state == "failed"
    assert "whatsapp" in event.error


# --- outbound -------------------------------------------------------------------------------------
class FlakyConnector(connectors_base.Connector):
    platform = "x"

    def __init__(self, errors):
        self.errors = list(errors)
        self.calls = []

    def send(self, outbound):
        self.calls.append((outbound.pk, outbound.idempotency_key))
        if self.errors:
            raise self.errors.pop(0)
        return SendResult(external_id="x-123", permalink="https://x.example/status/123")


@pytest.fixture
def x_ticket(agent_user):
    group = factories.ChannelGroupFactory(platform="x", name="@IRCC")
    return factories.ingest(group, sender="x-user").ticket


def test_a_retryable_send_error_is_tried_again_with_the_same_key_req_ops10(monkeypatch, x_ticket, agent_user):
    connector = FlakyConnector([SendError("rate limited", code="rate_limited", retry_after=0.01)])
    monkeypatch.setitem(connectors_base._registry, "x", connector)
    message = reply(x_ticket, "Merci!", actor=agent_user)
    outbound = OutboundMessage.objects.get()

    assert send_outbound(outbound.pk) == "queued"
    outbound.refresh_from_db()
    assert (outbound.state, outbound.attempts, outbound.error_code) == ("queued", 1, "rate_limited")
    message.refresh_from_db()
    assert message.delivery_status == "queued"

    assert send_outbound(outbound.pk) == "sent"
    outbound.refresh_from_db()
    assert (outbound.state, outbound.attempts, outbound.external_id, outbound.last_error) == (
        "sent",
        2,
        "x-123",
        "",
    )
    assert [key for _pk, key in connector.calls] == [outbound.idempotency_key] * 2
    message.refresh_from_db()
    assert (message.delivery_status, message.external_id, message.permalink) == (
        "sent",
        "x-123",
        "https://x.example/status/123",
    )
    # Sent is final: running the task again does not post twice.
    assert send_outbound(outbound.pk) == "sent"
    assert len(connector.calls) == 2


def test_a_permanent_send_error_fails_at_once_req_ops10(monkeypatch, x_ticket, agent_user):
    connector = FlakyConnector([SendError("The post was deleted", code="gone", retryable=False)])
    monkeypatch.setitem(connectors_base._registry, "x", connector)
    message = reply(x_ticket, "Merci!", actor=agent_user)
    run_pending_tasks()
    outbound = OutboundMessage.objects.get()
    assert (outbound.state, outbound.attempts, outbound.error_code, outbound.last_error) == (
        "failed",
        1,
        "gone",
        "The post was deleted",
    )
    message.refresh_from_db()
    assert (message.delivery_status, message.delivery_error) == ("failed", "The post was deleted")
    assert len(connector.calls) == 1
