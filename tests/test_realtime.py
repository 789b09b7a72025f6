"""Websockets: a signed-in reader's open page hears about new tickets after commit; others are refused."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from parlons.accounts.models import RoleGrant, User
from parlons.accounts.services import ensure_default_roles
from parlons.core.actors import SYSTEM
from parlons.tickets import services
from parlons.web.consumers import EventsConsumer

pytestmark = pytest.mark.django_db(transaction=True)


def _reader():
    roles = ensure_default_roles()
    user = User.objects.create_user(username="watcher", password="x" * 12)
    RoleGrant.objects.create(role=roles["reader"], user=user)
    return user


def _ingest():
    try:
        group = services.create_channel_group(actor=SYSTEM, platform="api", name="Bot")
        return services.ingest_inbound_message(
            services.InboundMessage(
                channel_group=group, sender=services.Sender(external_id="c1"), body="Bonjour"
            )
        ).ticket.pk
    finally:
        # This runs in a worker thread of its own: close its connection so the test database can be dropped.
        connection.close()


def test_new_ticket_is_pushed_to_open_pages_req_ops8_ui2():
    user = _reader()

    async def scenario():
        communicator = WebsocketCommunicator(EventsConsumer.as_asgi(), "/ws/events/")
        communicator.scope["user"] = user
        connected, _ = await communicator.connect()
        assert connected
        ticket_id = await database_sync_to_async(_ingest)()
        seen = []
        # Read until both events about this ticket arrived (anything else on the socket is ignored).
        while not (
            {"type": "ticket.created", "id": ticket_id} in seen
            and any(m["type"] == "message.created" and m.get("ticket_id") == ticket_id for m in seen)
        ):
            seen.append(await communicator.receive_json_from(timeout=5))
        await communicator.disconnect()
        return ticket_id, seen

    ticket_id, seen = async_to_sync(scenario)()
    assert {"type": "ticket.created", "id": ticket_id} in seen
    assert any(m["type"] == "message.created" and m["ticket_id"] == ticket_id for m in seen)


@pytest.mark.parametrize("who", ["anonymous", "no-role"])
def test_socket_refused_without_read_permission_req_adm4(who):
    user = (
        AnonymousUser() if who == "anonymous" else User.objects.create_user(username="x", password="x" * 12)
    )

    async def scenario():
        communicator = WebsocketCommunicator(EventsConsumer.as_asgi(), "/ws/events/")
        communicator.scope["user"] = user
        connected, code = await communicator.connect()
        return connected, code

    connected, code = async_to_sync(scenario)()
    assert not connected
    assert code in (4401, 4403)


def _agent(username):
    roles = ensure_default_roles()
    user = User.objects.create_user(username=username, password="x" * 12, first_name=username.title())
    RoleGrant.objects.create(role=roles["agent"], user=user)
    return user


def test_agents_on_one_ticket_hear_each_other_viewing_and_typing_req_ui2():
    # REQ UI-2: two agents on one ticket see that the other is there and typing; nobody hears themselves.
    lea, max_ = _agent("lea"), _agent("max")
    ticket_id = _ingest()

    async def scenario():
        a = WebsocketCommunicator(EventsConsumer.as_asgi(), "/ws/events/")
        a.scope["user"] = lea
        b = WebsocketCommunicator(EventsConsumer.as_asgi(), "/ws/events/")
        b.scope["user"] = max_
        assert (await a.connect())[0] and (await b.connect())[0]
        await a.send_json_to({"type": "presence", "ticket": ticket_id, "state": "viewing"})
        await asyncio.sleep(0.5)  # Léa has joined the ticket's group before Max arrives
        await b.send_json_to({"type": "presence", "ticket": ticket_id, "state": "viewing"})
        heard_by_a = await a.receive_json_from(timeout=5)
        await b.send_json_to({"type": "presence", "ticket": ticket_id, "state": "typing"})
        typing = await a.receive_json_from(timeout=5)
        # Junk, another ticket that does not exist, and a boolean id are ignored.
        await a.send_json_to({"type": "presence", "ticket": 999999, "state": "viewing"})
        await a.send_json_to({"type": "presence", "ticket": True, "state": "viewing"})
        await a.send_json_to({"type": "hello"})
        await b.disconnect()
        left = await a.receive_json_from(timeout=5)
        nothing_more = await a.receive_nothing(timeout=0.3)
        await a.disconnect()
        return heard_by_a, typing, left, nothing_more

    heard_by_a, typing, left, nothing_more = async_to_sync(scenario)()
    assert heard_by_a == {
        "type": "presence",
        "ticket": ticket_id,
        "user_id": max_.pk,
        "name": "Max",
        "state": "viewing",
    }
    assert typing["state"] == "typing" and typing["user_id"] == max_.pk
    assert left["state"] == "left" and left["user_id"] == max_.pk
    assert nothing_more
