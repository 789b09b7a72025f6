"""The realtime push from a worker (no event loop of its own) goes through one long-lived sender thread instead of
a new event loop per event, and still reaches open pages (UI-2, OPS-8). With Redis: run with
REDIS_URL=redis://127.0.0.1:6379/0."""

from __future__ import annotations

import asyncio
import threading

import pytest
from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels.testing import WebsocketCommunicator

from parlons.core.events import DomainEvent
from parlons.web import listeners
from parlons.web.consumers import EventsConsumer

pytestmark = pytest.mark.django_db(transaction=True)


def _reader():
    from parlons.accounts.models import RoleGrant, User
    from parlons.accounts.services import ensure_default_roles

    user = User.objects.create_user(username="watcher", password="x" * 12)
    RoleGrant.objects.create(role=ensure_default_roles()["reader"], user=user)
    return user


@pytest.mark.skipif(
    isinstance(get_channel_layer(), InMemoryChannelLayer), reason="needs Redis: set REDIS_URL=redis://..."
)
def test_a_worker_push_reaches_an_open_page_through_the_sender_thread_req_ui2_ops8():
    user = _reader()

    def from_a_worker_thread():
        for version in (1, 2, 3):
            listeners.push_to_browsers(DomainEvent("ticket.updated", data={"id": 41, "version": version}))

    async def scenario():
        communicator = WebsocketCommunicator(EventsConsumer.as_asgi(), "/ws/events/")
        communicator.scope["user"] = user
        assert (await communicator.connect())[0]
        await asyncio.to_thread(from_a_worker_thread)  # a plain thread: no server loop to borrow
        seen = [await communicator.receive_json_from(timeout=5) for _ in range(3)]
        await communicator.disconnect()
        return seen

    seen = async_to_sync(scenario)()
    assert seen == [{"type": "ticket.updated", "id": 41, "version": v} for v in (1, 2, 3)]
    assert [t.name for t in threading.enumerate()].count("parlons-browser-push") == 1


def test_many_pushes_from_a_worker_share_one_sender_thread(monkeypatch):
    sent = []

    class Layer:
        async def group_send(self, group, message):
            sent.append((group, message["payload"]["id"]))

    monkeypatch.setattr(listeners, "get_channel_layer", lambda: Layer())
    done = threading.Event()

    def worker():
        for n in range(50):
            listeners.push_to_browsers(DomainEvent("message.created", data={"id": n, "ticket_id": 1}))
        done.set()

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(10)
    assert done.is_set()
    assert listeners.flush(5)
    assert sent == [("readers", n) for n in range(50)]
    assert [t.name for t in threading.enumerate()].count("parlons-browser-push") == 1


def test_a_worker_process_with_an_in_memory_layer_pushes_nothing(monkeypatch):
    """No browser is connected to a ``parlons worker`` process's in-memory layer: sending costs and reaches
    nobody."""
    from parlons.core import worker

    calls = []

    class Layer(InMemoryChannelLayer):
        async def group_send(self, group, message):
            calls.append(message)

    monkeypatch.setattr(listeners, "get_channel_layer", lambda: Layer())
    monkeypatch.setattr(worker, "DEDICATED", True)
    listeners.push_to_browsers(DomainEvent("ticket.created", data={"id": 1}))
    assert calls == []
    monkeypatch.setattr(worker, "DEDICATED", False)  # the embedded install: sent as before
    listeners.push_to_browsers(DomainEvent("ticket.created", data={"id": 1}))
    assert calls == [{"type": "domain.event", "payload": {"type": "ticket.created", "id": 1}}]
