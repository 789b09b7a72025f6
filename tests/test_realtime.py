"""Websockets: a signed-in reader's open page hears about new tickets after commit; others are refused."""

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
