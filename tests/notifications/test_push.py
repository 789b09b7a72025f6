"""Desktop push (OPS-13): a notification reaches the recipient's own websocket group, nobody else's."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import connection

from parlons.notifications import services
from parlons.web.consumers import EventsConsumer, user_group

pytestmark = pytest.mark.django_db(transaction=True)


def _listen(user_ids):
    layer = get_channel_layer()
    channels = {}
    for uid in user_ids:
        name = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(user_group(uid), name)
        channels[uid] = name
    return layer, channels


def _receive(layer, channel, timeout=0.5):
    async def go():
        try:
            return await asyncio.wait_for(layer.receive(channel), timeout)
        except TimeoutError:
            return None

    return async_to_sync(go)()


def test_push_reaches_only_the_recipient_req_ops13(agent_user, other_agent, monkeypatch):
    monkeypatch.setattr("parlons.notifications.services.delivery._enqueue_email", lambda pk: None)
    layer, channels = _listen([agent_user.pk, other_agent.pk])
    assert services.notify([agent_user], "note.mention", context={"excerpt": "@agent regarde"}) == 1
    message = _receive(layer, channels[agent_user.pk])
    assert message["type"] == "domain.event"
    payload = message["payload"]
    assert payload["type"] == "notification" and payload["kind"] == "note.mention"
    assert payload["unread"] == 1 and payload["body"] == "@agent regarde"
    assert _receive(layer, channels[other_agent.pk]) is None


def test_push_respects_mute_req_ops13(agent_user, monkeypatch):
    monkeypatch.setattr("parlons.notifications.services.delivery._enqueue_email", lambda pk: None)
    services.update_preferences(agent_user, actor=agent_user, muted=True)
    layer, channels = _listen([agent_user.pk])
    services.notify([agent_user], "ticket.assigned", context={"ticket_id": 1})
    assert _receive(layer, channels[agent_user.pk]) is None


def test_push_title_in_recipient_language_over_websocket_req_ops13(agent_user, monkeypatch):
    monkeypatch.setattr("parlons.notifications.services.delivery._enqueue_email", lambda pk: None)
    agent_user.language = "fr"
    agent_user.save()

    def make():
        try:
            services.notify([agent_user], "sla.breached", context={"ticket_id": 42})
        finally:
            connection.close()

    async def scenario():
        from channels.db import database_sync_to_async

        communicator = WebsocketCommunicator(EventsConsumer.as_asgi(), "/ws/events/")
        communicator.scope["user"] = agent_user
        connected, _ = await communicator.connect()
        assert connected
        await database_sync_to_async(make)()
        while True:
            data = await communicator.receive_json_from(timeout=5)
            if data.get("type") == "notification":
                break
        await communicator.disconnect()
        return data

    data = async_to_sync(scenario)()
    assert data["kind"] == "sla.breached"
    assert "42" in data["title"] and "norme de service" in data["title"]
